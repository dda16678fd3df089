// A sparkline as a plain SVG polyline: the last `length` values, newest on the right, scaled to the largest one.

const SVG = 'http://www.w3.org/2000/svg';

export function createSparkline(length) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${length - 1} 100`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  const line = document.createElementNS(SVG, 'polyline');
  svg.append(line);
  return { svg, line, values: [], length };
}

export function pushValue(sparkline, value) {
  sparkline.values.push(value);
  if (sparkline.values.length > sparkline.length) {
    sparkline.values.shift();
  }
  const values = sparkline.values;
  const top = Math.max(1, ...values);
  const offset = sparkline.length - values.length;
  sparkline.line.setAttribute('points',
    values.map((v, i) => `${offset + i},${(100 - (v / top) * 96 - 2).toFixed(1)}`).join(' '));
  sparkline.svg.setAttribute('aria-label', `messages per second, last ${values.length} s, peak ${top}`);
}
