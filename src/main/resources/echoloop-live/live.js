// The live view: one Server-Sent Events stream (/events), one render per event. Text goes in with textContent only,
// so nothing a client controls (an address, a node name) can become markup.

import { count, bytes, duration } from './format.js';
import { createSparkline, pushValue } from './sparkline.js';

const SPARKLINE_SECONDS = 60;
const RETRY_MILLIS = 2000;
const loopPanels = new Map();

function setField(root, name, text) {
  const element = root.querySelector(`[data-field="${name}"]`);
  if (element) element.textContent = text;
  return element;
}

function showLink(kind, text) {
  const link = document.getElementById('link');
  link.className = 'link ' + kind;
  link.textContent = text;
}

function renderServer(server, viewers, open) {
  const root = document.getElementById('server');
  setField(root, 'nodeName', server.nodeName || '–');
  let state = server.state;
  if (server.state === 'draining') {
    state = `draining, ${server.drainSecondsLeft} s left`;
    if (server.acceptingSecondsLeft > 0) {
      state += ` (still accepting for ${server.acceptingSecondsLeft} s)`;
    }
  }
  setField(root, 'state', state).className = 'state-' + server.state;
  setField(root, 'open', count(open));
  setField(root, 'framing', server.framing);
  setField(root, 'transport', server.transport);
  setField(root, 'instances', String(server.instances));
  setField(root, 'tls', server.tls ? 'on' : 'off');
  setField(root, 'proxyProtocol', server.proxyProtocol ? 'on' : 'off');
  // A server that misbehaves on purpose must never pass for a broken one: its faults are named, in the warning colour.
  setField(root, 'faults', server.faults || 'none').className = server.faults ? 'faults-active' : '';
  setField(root, 'uptime', duration(server.uptimeSeconds));
  setField(root, 'viewers', `${viewers.watching} of ${viewers.limit}` + (viewers.skipped ? `, ${viewers.skipped} skipped` : ''));
}

function loopPanel(name) {
  let panel = loopPanels.get(name);
  if (!panel) {
    const section = document.createElement('section');
    section.className = 'loop';
    section.dataset.eventLoop = name;
    const title = document.createElement('h3');
    title.textContent = name;
    const figures = document.createElement('dl');
    figures.className = 'figures';
    for (const [field, label] of [['open', 'open connections'], ['heldBack', 'held back now'],
      ['messages', 'msg/s (in = out)'], ['bytesIn', 'bytes/s in'], ['bytesOut', 'bytes/s out']]) {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.dataset.field = field;
      figures.append(dt, dd);
    }
    const rejections = document.createElement('div');
    rejections.className = 'rejections';
    rejections.dataset.field = 'rejections';
    const sparkline = createSparkline(SPARKLINE_SECONDS);
    section.append(title, figures, sparkline.svg, rejections);
    panel = { section, sparkline };
    loopPanels.set(name, panel);
  }
  return panel;
}

function renderLoops(loops) {
  const container = document.getElementById('loops');
  const seen = new Set();
  // Appending in the server's order (the threads' numbers) keeps the panels in that order.
  for (const loop of loops) {
    const panel = loopPanel(loop.eventLoop);
    seen.add(loop.eventLoop);
    const root = panel.section;
    setField(root, 'open', String(loop.open));
    setField(root, 'heldBack', String(loop.heldBack)).className = loop.heldBack > 0 ? 'held' : '';
    setField(root, 'messages', count(loop.messagesPerSecond));
    setField(root, 'bytesIn', bytes(Math.round(loop.bytesInPerSecond)));
    setField(root, 'bytesOut', bytes(Math.round(loop.bytesOutPerSecond)));
    const reasons = Object.entries(loop.rejections).map(([reason, n]) => `${reason} ${n}`).join(', ');
    setField(root, 'rejections', reasons ? 'rejected: ' + reasons : '');
    pushValue(panel.sparkline, loop.messagesPerSecond);
    container.append(root);
  }
  for (const [name, panel] of loopPanels) {
    if (!seen.has(name)) {
      panel.section.remove();
      loopPanels.delete(name);
    }
  }
}

function cell(text, numeric) {
  const td = document.createElement('td');
  td.textContent = text;
  if (numeric) td.className = 'num';
  return td;
}

function renderConnections(table) {
  const rows = table.rows.map(c => {
    const tr = document.createElement('tr');
    tr.className = c.state.replace(' ', '-');
    tr.dataset.client = c.client;
    tr.dataset.state = c.state;
    tr.append(cell(c.client), cell(c.peer), cell(c.eventLoop), cell(duration(Math.floor(c.ageMillis / 1000)), true),
      cell(bytes(c.bytesIn), true), cell(bytes(c.bytesOut), true), cell(bytes(c.bytesQueued), true),
      cell(count(c.messages), true), cell(count(c.messagesPerSecond), true), cell(c.state), cell(c.tls || '–'));
    return tr;
  });
  document.querySelector('#connections tbody').replaceChildren(...rows);
  document.getElementById('shown').textContent = table.shown < table.open
    ? `(${table.shown} most active of ${table.open})` : `(${table.open})`;
}

function render(event) {
  renderServer(event.server, event.viewers, event.connections.open);
  renderLoops(event.loops);
  renderConnections(event.connections);
}

function connect() {
  const source = new EventSource('events');
  source.onopen = () => showLink('live', 'live');
  source.onmessage = message => {
    showLink('live', 'live');
    render(JSON.parse(message.data));
  };
  source.onerror = () => {
    showLink('gone', 'server gone: reconnecting…');
    // The browser retries a dropped stream by itself, but not one refused (a 503 when too many watch): retry that here.
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(connect, RETRY_MILLIS);
    }
  };
}

connect();
