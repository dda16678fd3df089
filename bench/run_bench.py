#!/usr/bin/env python3
"""Benchmarks echoloop against reference echo servers: the driver behind `make bench`.

Each server is started pinned to CPU 0, the load generator runs pinned to CPU 1, and the
servers take turns in interleaved rounds (A B C D E, A B C D E, ...) so that drift in the
machine hits every server alike. The load generator is bench/loadgen/echoload (C, one thread,
epoll); it reads its own CPU and the server's from /proc/PID/stat over the measured window, and a
run where it used more than LOAD_BOUND of its core is marked load-bound: it measured the load
generator, not the server. Rates are also given as a fraction of c-limit, the simplest C epoll
echo server (bench/peers/c), the physical-limit reference.
Results go to bench/results/latest.{json,csv,txt,png}.
Standard library only; traffic only to 127.0.0.1; every wait is bounded.
"""
import argparse
import csv
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
# make bench passes BENCH_JAVA_HOME in this variable; the default is the JDK the README names.
JAVA = str(Path(os.environ.get("BENCH_JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")) / "bin" / "java")
BUILT = ROOT / "target" / "bench"
ECHOLOAD = BUILT / "echoload"
LIMIT_PEER = BUILT / "echo_limit"
PEERS_JAR = BENCH / "peers" / "java" / "target" / "peers.jar"
SEED_SERVER = BENCH / "peers" / "python" / "seed_server.py"
SEED_DEMO = BENCH / "peers" / "python" / "seed_demo.py"
FLOOD_CLIENT = BENCH / "flood_client.py"
HOST = "127.0.0.1"
SERVER_CPU, CLIENT_CPU = "0", "1"
LISTENING = re.compile(r"listening on \S+:(\d+)")
# A load generator above this share of its core was the limit of the run.
LOAD_BOUND = 0.9
LIMIT = "c-limit"
# Below this share of a core on both sides, neither the server nor the load generator set the pace.
STARVED = 0.5

# How each server is started: (jvm flags, echoloop jar, echoloop config overrides) -> argv. Edit here, nowhere else.
# Every server binds port 0 and announces its port with a "listening on HOST:PORT" line.
# echoloop's connection limit is raised above idle10k's 10,000: the peers have none. The access log is off, as the
# peers log nothing; the scenarios that measure what it costs turn it on (Scenario.echoloop).
ECHOLOOP_CONF = {"host": HOST, "port": 0, "instances": 1, "maxConnections": 100_000, "accessLog": False}


def echoloop(jvm, jar, overrides, **fixed):
    return [JAVA, *jvm, "-jar", str(jar), "-conf", json.dumps(ECHOLOOP_CONF | fixed | overrides)]


SERVERS = {
    "echoloop": lambda jvm, jar, conf: echoloop(jvm, jar, conf),
    # Not in the default set: the shipped default, one instance per core.
    "echoloop-auto": lambda jvm, jar, conf: echoloop(jvm, jar, conf, instances="auto"),
    # Not in the default set: the admin server on (metrics, and the live view that nobody opens), against echoloop's
    # admin off: what an operator pays for /metrics and the page while no one looks.
    "echoloop-admin": lambda jvm, jar, conf: echoloop(jvm, jar, conf, admin={"port": 0}),
    LIMIT: lambda jvm, jar, conf: [str(LIMIT_PEER), "--host", HOST, "--port", "0"],
    "netty": lambda jvm, jar, conf: [
        JAVA, *jvm, "-cp", str(PEERS_JAR), "dev.echoloop.peers.NettyEchoServer", "--host", HOST, "--port", "0"],
    "virtual-threads": lambda jvm, jar, conf: [
        JAVA, *jvm, "-cp", str(PEERS_JAR), "dev.echoloop.peers.VirtualThreadServer", "--host", HOST, "--port", "0"],
    "platform-threads": lambda jvm, jar, conf: [
        JAVA, *jvm, "-cp", str(PEERS_JAR), "dev.echoloop.peers.ThreadPerConnectionServer", "--host", HOST, "--port", "0"],
    "python-seed": lambda jvm, jar, conf: [
        sys.executable, str(SEED_SERVER), "--host", HOST, "--port", "0"],
    # Not in the default set: Netty's native transport, to show what NIO leaves on the table.
    "netty-epoll": lambda jvm, jar, conf: [
        JAVA, *jvm, "--enable-native-access=ALL-UNNAMED", "-cp", str(PEERS_JAR),
        "dev.echoloop.peers.NettyEchoServer", "--transport", "epoll", "--host", HOST, "--port", "0"],
}
# echoloop's transport is "auto", epoll here, so the Netty ceiling runs on epoll too.
DEFAULT_SERVERS = [LIMIT, "echoloop", "netty-epoll", "virtual-threads", "platform-threads", "python-seed"]
# One colour per server in every chart panel; echoloop stands out.
COLORS = {LIMIT: "#444444", "echoloop-auto": "#e377c2", "echoloop-admin": "#8c564b", "echoloop": "#d62728", "netty": "#1f77b4", "virtual-threads": "#2ca02c",
          "platform-threads": "#ff7f0e", "python-seed": "#9467bd", "netty-epoll": "#17becf"}


def loadgen_command(jvm, jar, scenario, port, timing, json_file, label, server_pid, java_loadgen, engine):
    """echoload, or with --loadgen java (and for stream, which echoload lacks) echoloop's own Java LoadGenerator.

    engine (auto, io_uring or epoll) is echoload's for rr; cpr and idle always run on epoll.
    """
    common = ["--mode", scenario.mode, "--host", HOST, "--port", str(port),
              "--connections", str(scenario.connections),
              *(["--size", str(scenario.size)] if scenario.mode != "cpr" else []),  # cpr's line is fixed
              "--duration", str(timing.duration), "--warmup", str(warmup_seconds(scenario, timing)),
              "--json", str(json_file), "--label", label]
    if java_loadgen or scenario.mode == "stream":
        return [JAVA, *jvm, "-cp", str(jar), "dev.echoloop.loadgen.LoadGenerator", *common]
    framing = scenario.echoloop.get("framing", "raw")
    return [str(ECHOLOAD), *common, "--depth", str(scenario.depth), "--framing", framing,
            "--server-pid", str(server_pid), *(["--engine", engine] if scenario.mode == "rr" else [])]


def demo_commands(jvm, jar, demo_command):
    """The demo as `make run` starts it (make prints that command), against the seed's __main__ in Python 3."""
    echoloop = shlex.split(demo_command) if demo_command else [JAVA, *jvm, "-jar", str(jar), "demo"]
    return {"echoloop": echoloop, "python-seed": [sys.executable, str(SEED_DEMO)]}


@dataclass(frozen=True)
class Scenario:
    name: str
    mode: str               # load generator mode, or "flood" for bench/flood_client.py
    connections: int
    size: int
    metric: str             # key of the run record compared across servers
    unit: str
    higher_is_better: bool
    # Memory scenarios measure something that hardly varies between rounds, and take the longest.
    memory: bool = False
    # echoloop's configuration for this scenario, over ECHOLOOP_CONF (framing line, access log on).
    echoloop: dict = field(default_factory=dict)
    # Only these servers (those selected), or every selected server when empty.
    only: tuple = ()
    # Requests in flight per connection (rr); above 1 only with line framing, where each request has its own reply.
    depth: int = 1
    # The scenario whose echoloop row this one is compared with (server CPU per operation), and why.
    baseline: str = ""
    # At least this warm-up (s), over the timing's: connection per request runs each connection's setup path a few
    # thousand times a second only, so the JIT of every Java server is still compiling it after 4 s (bench/README.md).
    min_warmup: int = 0


SCENARIOS = {s.name: s for s in [
    Scenario("rr64", "rr", 64, 64, "rate", "req/s", True),
    # What the framed path costs: the same ping-pong with framing line (one reply per line), against rr64's raw.
    Scenario("rr64-line", "rr", 64, 64, "rate", "req/s", True, echoloop={"framing": "line"},
             only=(LIMIT, "echoloop", "echoloop-auto"), baseline="rr64"),
    Scenario("rr1000", "rr", 1000, 64, "rate", "req/s", True),
    Scenario("cpr16", "cpr", 16, 64, "rate", "conn/s", True, min_warmup=10),
    # What the access log costs per connection: echoloop's default (log on), against cpr16's log off.
    Scenario("cpr16-log", "cpr", 16, 64, "rate", "conn/s", True, echoloop={"accessLog": True},
             only=(LIMIT, "echoloop", "echoloop-auto"), baseline="cpr16", min_warmup=10),
    # The metric is what 10,000 open connections cost the server; "answered" shows they all work.
    Scenario("idle10k", "idle", 10_000, 64, "rssMb", "MB RSS", False, memory=True),
    Scenario("flood", "flood", 1, 64 * 1024, "rssGrowthMb", "MB held", False, memory=True),
    # Not in the default set: bulk throughput with large messages (Java load generator).
    Scenario("stream16", "stream", 16, 64 * 1024, "mbReceivedPerSec", "MB/s", True),
    # Not in the default set: 16 line requests in flight per connection, echoloop only (the peers answer per read).
    Scenario("pipe64-line", "rr", 64, 64, "rate", "req/s", True, echoloop={"framing": "line"},
             only=("echoloop", "echoloop-auto"), depth=16, baseline="rr64-line"),
]}
FULL_SCENARIOS = ["rr64", "rr64-line", "rr1000", "cpr16", "cpr16-log", "idle10k", "flood"]
QUICK_SCENARIOS = ["rr64", "rr64-line", "cpr16", "cpr16-log", "idle10k", "flood"]


@dataclass(frozen=True)
class Timing:
    warmup: int
    duration: int
    flood_megabytes: int
    flood_seconds: int
    demo_runs: int


FULL = Timing(warmup=4, duration=5, flood_megabytes=200, flood_seconds=10, demo_runs=5)
QUICK = Timing(warmup=3, duration=3, flood_megabytes=50, flood_seconds=3, demo_runs=3)


def warmup_seconds(scenario, timing):
    return max(timing.warmup, scenario.min_warmup)


def read_jvm_options():
    """conf/jvm.options: one flag a line, '#' starts a comment; the same flags for every JVM."""
    path = ROOT / "conf" / "jvm.options"
    if not path.exists():
        return []
    flags = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            flags.append(line)
    return flags


def proc_status_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Server:
    """A server process pinned to SERVER_CPU, its output in a log file."""

    def __init__(self, name, argv, log_path):
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "wb")
        # taskset execs the command, so the pid is the server's own and /proc/pid is its memory.
        self.process = subprocess.Popen(["taskset", "-c", SERVER_CPU, *argv], cwd=ROOT,
                                        stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_for_port(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = LISTENING.search(self.log_path.read_text(errors="replace"))
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode} before listening")
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} printed no 'listening on' line in {timeout:.0f} s")

    def stop(self):
        """SIGTERM, then SIGKILL after 10 s; returns VmHWM in KiB, read while it still runs."""
        hwm = proc_status_kb(self.process.pid, "VmHWM")
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
        return hwm


def run_client(argv, pid, timeout, log_path):
    """Runs a client pinned to CLIENT_CPU, sampling the server's VmRSS; returns (rc, peak KiB)."""
    peak = proc_status_kb(pid, "VmRSS") or 0
    with open(log_path, "wb") as log:
        client = subprocess.Popen(["taskset", "-c", CLIENT_CPU, *argv], cwd=ROOT,
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        try:
            while client.poll() is None and time.monotonic() < deadline:
                peak = max(peak, proc_status_kb(pid, "VmRSS") or 0)
                time.sleep(0.1)
        finally:
            # Also on Ctrl-C: no client outlives the driver.
            timed_out = client.poll() is None
            if timed_out:
                client.kill()
                client.wait(10)
    return (None if timed_out else client.returncode), peak


def run_one(round_no, scenario, server_name, jvm, jar, loadgen_jar, timing, java_loadgen, engine, shown_as):
    """One fresh server process and one load generator run; shown_as names the row (the server, or with a second
    --engine, the server and that engine)."""
    label = f"{scenario.name}-{shown_as.replace('@', '-')}-r{round_no}"
    raw = RESULTS / "raw" / f"{label}.json"
    record = {"round": round_no, "scenario": scenario.name, "server": shown_as, "ok": False, "errors": 0,
              "loadBefore": load_average()}
    server = Server(server_name, SERVERS[server_name](jvm, jar, scenario.echoloop),
                    RESULTS / "logs" / f"{label}.server.log")
    try:
        port = server.wait_for_port()
        record["rssStartMb"] = mb(proc_status_kb(server.process.pid, "VmRSS"))
        if scenario.mode == "flood":
            argv = [sys.executable, str(FLOOD_CLIENT), "--port", str(port),
                    "--server-pid", str(server.process.pid), "--megabytes", str(timing.flood_megabytes),
                    "--seconds", str(timing.flood_seconds), "--json", str(raw), "--label", label]
            timeout = timing.flood_seconds + 90
        else:
            argv = loadgen_command(jvm, loadgen_jar, scenario, port, timing, raw, label, server.process.pid,
                                   java_loadgen, engine)
            timeout = warmup_seconds(scenario, timing) + timing.duration + 120
        rc, peak = run_client(argv, server.process.pid, timeout, RESULTS / "logs" / f"{label}.client.log")
        record["rssMb"] = mb(peak)
        if rc is None:
            raise RuntimeError(f"client still running after {timeout} s, killed")
        if not raw.exists():
            raise RuntimeError(f"client exited with {rc} and wrote no {raw.name}")
        result = json.loads(raw.read_text())
        record.update(result)
        if scenario.mode == "flood":
            record["rssGrowthMb"] = mb(result.get("serverRssGrowthKb"))
        record["errors"] = int(result.get("errors") or 0) + (0 if rc == 0 else 1)
        # Negative CPU figures mean "not measured" (no window, or the server's /proc was unreadable).
        for key in ("loadgenCpu", "loadgenCpuUsPerOp", "serverCpu", "serverCpuUsPerOp"):
            if isinstance(record.get(key), (int, float)) and record[key] < 0:
                record[key] = None
        if record.get("loadgenCpu") is not None:
            record["loadBound"] = record["loadgenCpu"] > LOAD_BOUND
        record["ok"] = True
    except (RuntimeError, OSError, ValueError) as problem:
        record["error"] = str(problem)
        record["errors"] += 1
    finally:
        if server.process.poll() is not None and record["ok"]:
            record["error"] = f"server died with {server.process.returncode}"
            record["errors"] += 1
        record["hwmMb"] = mb(server.stop())
    return record


def run_demo(jvm, jar, runs, demo_command):
    """Wall time of the whole demo program, echoloop's against the Python seed's, alternating."""
    records = []
    commands = demo_commands(jvm, jar, demo_command)
    for run in range(1, runs + 1):
        for name, argv in commands.items():
            started = time.monotonic()
            try:
                done = subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=60)
                ok, error = done.returncode == 0, done.stderr.decode(errors="replace")[-300:]
            except subprocess.TimeoutExpired:
                ok, error = False, "timed out after 60 s"
            record = {"round": run, "scenario": "demo", "server": name, "ok": ok, "errors": 0 if ok else 1,
                      "wallMs": round((time.monotonic() - started) * 1000, 1)}
            if not ok:
                record["error"] = error
            records.append(record)
    return records


def load_average():
    """1-minute load: anything else running on a 2-core machine skews a pinned benchmark."""
    try:
        return float(open("/proc/loadavg").read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def mb(kb):
    return None if kb is None else round(kb / 1024, 1)


def summarize(records, scenarios, servers):
    """One row per (scenario, server): medians over the successful rounds, ratios to echoloop and to the limit peer."""
    units = {s.name: s for s in scenarios}
    rows = []
    by_name = {}
    for scenario in [s.name for s in scenarios] + ["demo"]:
        metric, unit, higher = ("wallMs", "ms wall", False) if scenario == "demo" else (
            units[scenario].metric, units[scenario].unit, units[scenario].higher_is_better)
        medians = {}
        for server in servers:
            runs = [r for r in records if r["scenario"] == scenario and r["server"] == server]
            if not runs:
                continue
            good = [r for r in runs if r["ok"] and r.get(metric) is not None]
            row = {"scenario": scenario, "server": server, "metric": metric, "unit": unit,
                   "higherIsBetter": higher, "runs": len(runs), "okRuns": len(good),
                   "median": median(good, metric), "p99us": median(good, "p99us"),
                   "serverCpuUsPerOp": median(good, "serverCpuUsPerOp", 2), "serverCpu": median(good, "serverCpu", 2),
                   "loadgenCpu": median(good, "loadgenCpu", 2), "loadgenCpuUsPerOp": median(good, "loadgenCpuUsPerOp", 2),
                   "loadBoundRuns": sum(1 for r in good if r.get("loadBound")),
                   "rssMb": median(good, "rssMb"), "peakRssMb": median(good, "hwmMb"),
                   "errors": sum(r["errors"] for r in runs), "note": note(scenario, good)}
            medians[server] = row["median"]
            rows.append(row)
            by_name[(scenario, server)] = row
        base, limit = medians.get("echoloop"), medians.get(LIMIT)
        for row in rows:
            if row["scenario"] == scenario:
                row["ratioToEcholoop"] = ratio(row["median"], base)
                row["fractionOfLimit"] = ratio(row["median"], limit) if higher else None
    # A scenario that exists to show a cost (framing line, the access log) compares CPU per operation with its baseline.
    for row in rows:
        baseline = units.get(row["scenario"]) and units[row["scenario"]].baseline
        other = by_name.get((baseline, row["server"])) if baseline else None
        if other and row["serverCpuUsPerOp"] and other["serverCpuUsPerOp"]:
            cost = ratio(row["serverCpuUsPerOp"], other["serverCpuUsPerOp"])
            row["cpuVsBaseline"] = cost
            row["note"] = (row["note"] + "; " if row["note"] else "") + f"CPU/op {cost:.2f}x {baseline}'s"
    # Neither side busy means both waited for the CPU: other processes took it, and the rate measured them.
    for row in rows:
        if row.get("serverCpu") is not None and row.get("loadgenCpu") is not None \
                and row["serverCpu"] < STARVED and row["loadgenCpu"] < STARVED:
            row["note"] = (row["note"] + "; " if row["note"] else "") + "neither side busy: the pace was set elsewhere (other processes?)"
    return rows


def ratio(value, base):
    return round(value / base, 2) if base and value is not None else None


def median(runs, key, digits=1):
    values = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
    return round(statistics.median(values), digits) if values else None


def note(scenario, runs):
    if not runs:
        return "no successful run"
    if scenario == "idle10k":
        return f"answered {fmt(median(runs, 'answered'))}/{fmt(median(runs, 'opened'))}"
    if scenario == "flood":
        exact = all(r.get("exact") for r in runs)
        taken = median(runs, "sentBytes")
        return (f"took in {fmt(taken and taken / 2**20)} MB; "
                f"{'every byte back' if exact else 'BYTES LOST'}")
    return ""


def render_table(rows):
    header = ["scenario", "server", "median", "unit", "of limit", "vs echoloop", "p99 us", "server us/op",
              "server CPU", "loadgen CPU", "loadgen us/op", "load-bound", "RSS MB", "peak RSS MB", "errors", "note"]
    lines = [header]
    for r in rows:
        bound = f"{r['loadBoundRuns']}/{r['okRuns']} LOAD-BOUND" if r.get("loadBoundRuns") else (
            "no" if r.get("loadgenCpu") is not None else "-")
        lines.append([r["scenario"], r["server"], fmt(r["median"]), r["unit"] + (" ↑" if r["higherIsBetter"] else " ↓"),
                      fmt(r.get("fractionOfLimit"), "x"), fmt(r.get("ratioToEcholoop"), "x"), fmt(r["p99us"]),
                      fmt(r.get("serverCpuUsPerOp")), percent(r.get("serverCpu")), percent(r.get("loadgenCpu")),
                      fmt(r.get("loadgenCpuUsPerOp")), bound, fmt(r["rssMb"]), fmt(r["peakRssMb"]), str(r["errors"]), r["note"]])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for i, line in enumerate(lines):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out) + "\n"


def percent(share):
    return "-" if share is None else f"{share * 100:.0f}%"


def fmt(value, suffix=""):
    if value is None:
        return "-"
    return (f"{value:,.2f}" if suffix else f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}") + suffix


def write_csv(rows, path):
    fields = ["scenario", "server", "metric", "unit", "median", "fractionOfLimit", "ratioToEcholoop", "p99us",
              "serverCpuUsPerOp", "serverCpu", "loadgenCpu", "loadgenCpuUsPerOp", "loadBoundRuns", "rssMb", "peakRssMb", "errors", "runs",
              "okRuns", "note"]
    with open(path, "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def draw_chart(rows, servers, path, caption):
    """Four panels: rate as a fraction of the limit peer, server CPU per operation, server memory, demo wall time.

    A scenario whose runs were load-bound for some servers gets a * under its label (the table names them): those
    bars show the load generator's limit, not the server's. Naming them all there made the labels overlap.
    """
    if not shutil.which("gnuplot"):
        print("gnuplot not found: no chart (make bench installs gnuplot-nox)", file=sys.stderr)
        return
    value = {(r["scenario"], r["server"]): r for r in rows}
    present_scenarios = {k[0] for k in value}
    panels = [
        ("speed", f"Rate as a fraction of {LIMIT} (x, higher is better)", "fractionOfLimit",
         [s for s in ("rr64", "rr64-line", "rr1000", "cpr16", "cpr16-log", "pipe64-line") if s in present_scenarios]),
        ("cpu", "Server CPU per request or connection (us, lower is better)", "serverCpuUsPerOp",
         [s for s in ("rr64", "rr64-line", "rr1000", "cpr16", "cpr16-log", "pipe64-line") if s in present_scenarios]),
        ("memory", "Server memory (MB, lower is better)", "median",
         [s for s in ("idle10k", "flood") if any(k[0] == s for k in value)]),
        ("demo", "Demo wall time (ms, lower is better)", "median", ["demo"] if any(k[0] == "demo" for k in value) else []),
    ]
    script = ["set terminal pngcairo size 1500,1000 font ',10'", f"set output '{path}'",
              f"set multiplot layout 2,2 title '{caption}'", "set style data histogram", "set style histogram clustered gap 1",
              "set style fill solid 0.85 border -1", "set boxwidth 0.9", "set datafile missing 'NaN'",
              "set yrange [0:*]", "set grid ytics", "set bmargin 5",
              "set key outside bottom center horizontal"]
    for name, title, key, scenarios in panels:
        if not scenarios:
            continue
        present = [s for s in servers if any(value.get((sc, s), {}).get(key) is not None for sc in scenarios)]
        if not present:
            continue  # e.g. no c-limit in this run: no fractions of it to draw
        data = path.with_name(f"latest-{name}.dat")
        with open(data, "w") as out:
            out.write("scenario " + " ".join(present) + "\n")
            for sc in scenarios:
                cells = [value.get((sc, s), {}).get(key) for s in present]
                bound = [s for s in present if value.get((sc, s), {}).get("loadBoundRuns")]
                label = sc + ("*" if bound else "")
                out.write(f'"{label}" ' + " ".join("NaN" if c is None else str(c) for c in cells) + "\n")
        script.append(f"set title '{title}'")
        if name in ("speed", "cpu"):
            script.append("set label 1 '* some runs load-bound (see the table)' at graph 1, graph 0.97 right font ',9'")
        plots = [f"'{data}' using {i + 2}:xtic(1) title columnheader lc rgb '{COLORS.get(s, '#7f7f7f')}'"
                 for i, s in enumerate(present)]
        script.append("plot " + ", ".join(plots))
        script.append("unset label 1")
    script.append("unset multiplot")
    done = subprocess.run(["gnuplot"], input="\n".join(script) + "\n", text=True, capture_output=True, timeout=60)
    if done.returncode != 0:
        print("gnuplot failed: " + done.stderr[-500:], file=sys.stderr)


def machine_info(jvm):
    info = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "kernel": platform.release(),
            "python": platform.python_version(), "jvmOptions": jvm, "cores": os.cpu_count(),
            "memoryGb": memory_gb(), "serverCpu": SERVER_CPU, "clientCpu": CLIENT_CPU}
    commands = {"java": [JAVA, "-version"], "commit": ["git", "rev-parse", "--short", "HEAD"],
                "gcc": ["gcc", "--version"], "virtualization": ["systemd-detect-virt"]}
    for key, argv in commands.items():
        try:
            done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=30)
            info[key] = (done.stdout + done.stderr).strip().splitlines()[0] if done.returncode == 0 else None
        except (OSError, subprocess.TimeoutExpired, IndexError):
            info[key] = None
    try:
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                           if line.startswith("model name"))
    except (OSError, StopIteration):
        info["cpu"] = None
    return info


def memory_gb():
    try:
        kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal:"))
        return round(kb / 2**20, 1)
    except (OSError, StopIteration, ValueError):
        return None


def describe_machine(meta):
    """The lines that make a results table self-describing: where, when, on what, how."""
    timing = meta["timing"]
    return "\n".join([
        f"echoloop benchmark, {meta['date']}, commit {meta.get('commit') or '?'}"
        + (" (QUICK: smoke figures only)" if meta["quick"] else ""),
        f"machine: {meta.get('cpu') or '?'}, {meta.get('cores')} cores, {meta.get('memoryGb')} GiB, "
        f"kernel {meta.get('kernel')}, virtualization {meta.get('virtualization') or 'none'}",
        f"JDK (every JVM server, the Java load generator, the demo unless --demo-command names another): "
        f"{meta.get('java') or '?'}; demo command: {meta.get('demoCommand') or 'java -jar'}",
        f"JVM flags: {' '.join(meta['jvmOptions']) or 'none'}; {meta.get('gcc') or 'gcc ?'}; Python {meta['python']}",
        f"server on CPU {meta['serverCpu']}, load generator ({meta['loadgen']}) on CPU {meta['clientCpu']}; "
        f"{meta['rounds']} interleaved round(s), {timing['warmup']} s warm-up (cpr: 10 s) + {timing['duration']} s measured per run; "
        f"load average {meta['loadAverageAtStart']} at the start, {meta['loadAverageAtEnd']} at the end",
        f"'of limit': rate / {LIMIT}'s in the same scenario; 'server us/op': server CPU (utime+stime from "
        f"/proc/PID/stat) per request or connection over the measured window, 'loadgen us/op' the load generator's; "
        f"'load-bound': runs where the load "
        f"generator used more than {LOAD_BOUND:.0%} of its core, which measured the load generator, not the server",
    ]) + "\n\n"


def describe_loadgen(records):
    """echoload and the engine each of its modes ran on, as the runs' JSON says (io_uring may have fallen back)."""
    engines = {}
    for r in records:
        if r.get("engineDetail"):
            engines.setdefault(r["mode"], set()).add(r["engineDetail"])
    parts = [f"{mode} on {' and '.join(sorted(details))}" for mode, details in sorted(engines.items())]
    return "echoload (C)" + (": " + "; ".join(parts) if parts else "")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo-command", help="the java command that runs echoloop's demo (make demo-command prints it)")
    parser.add_argument("--quick", action="store_true", help="one short round of fewer scenarios (~3 min)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3, or 1 with --quick)")
    parser.add_argument("--scenarios", help=f"comma-separated, from: {','.join(SCENARIOS)},demo")
    parser.add_argument("--memory-rounds", type=int, default=1,
                        help="rounds that also run idle10k and flood (default 1: they barely vary)")
    parser.add_argument("--servers", help=f"comma-separated, from: {','.join(SERVERS)}")
    parser.add_argument("--jar", type=Path, default=ROOT / "target" / "echoloop.jar",
                        help="echoloop's jar, also holding the load generator and the demo")
    parser.add_argument("--loadgen", choices=["c", "java"], default="c",
                        help="c: bench/loadgen/echoload (default); java: echoloop's LoadGenerator, to compare the two")
    parser.add_argument("--engine", default="auto",
                        help="echoload's engine for rr: auto (io_uring, or epoll where io_uring is unavailable), "
                             "io_uring or epoll; two, e.g. io_uring,epoll, run every rr scenario with each in turn "
                             "against fresh servers of the same round, the second shown as SERVER@ENGINE")
    parser.add_argument("--loadgen-jar", type=Path,
                        help="take dev.echoloop.loadgen.LoadGenerator from this jar instead (e.g. an older echoloop)")
    args = parser.parse_args()
    args.engines = args.engine.split(",")
    if any(e not in ("auto", "io_uring", "epoll") for e in args.engines) or len(set(args.engines)) != len(args.engines):
        parser.error("--engine takes auto, io_uring or epoll, or two of them separated by a comma")
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.loadgen_jar = args.loadgen_jar or args.jar
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be 1..20")
    names = args.scenarios.split(",") if args.scenarios else (QUICK_SCENARIOS if args.quick else FULL_SCENARIOS) + ["demo"]
    args.servers = args.servers.split(",") if args.servers else DEFAULT_SERVERS
    unknown = [n for n in names if n not in SCENARIOS and n != "demo"] + [s for s in args.servers if s not in SERVERS]
    if unknown:
        parser.error(f"unknown scenario or server: {', '.join(unknown)}")
    args.demo = "demo" in names
    args.scenarios = [SCENARIOS[n] for n in names if n != "demo"]
    return args


def main():
    args = parse_args()
    timing = QUICK if args.quick else FULL
    for needed in [args.jar, args.loadgen_jar, PEERS_JAR, Path(JAVA), ECHOLOAD, LIMIT_PEER]:
        if not needed.exists():
            sys.exit(f"missing {needed}: `make bench` builds the jar, the Java peers and the C programs")
    if not shutil.which("taskset"):
        sys.exit("taskset not found (util-linux)")
    jvm = read_jvm_options()
    for sub in ("raw", "logs"):
        shutil.rmtree(RESULTS / sub, ignore_errors=True)
        (RESULTS / sub).mkdir(parents=True)

    load = load_average()
    if load is not None and load > 1.0:
        print(f"warning: load average {load:.1f} before the start: other processes will skew the numbers",
              file=sys.stderr)
    started = time.monotonic()
    records = []
    for round_no in range(1, args.rounds + 1):
        for scenario in args.scenarios:
            if scenario.memory and round_no > args.memory_rounds:
                continue
            for server in args.servers:
                if scenario.only and server not in scenario.only:
                    continue
                engines = args.engines if scenario.mode == "rr" and args.loadgen == "c" else args.engines[:1]
                for i, engine in enumerate(engines):
                    shown_as = server if i == 0 else f"{server}@{engine}"
                    record = run_one(round_no, scenario, server, jvm, args.jar, args.loadgen_jar, timing,
                                     args.loadgen == "java", engine, shown_as)
                    records.append(record)
                    value = record.get(scenario.metric)
                    cpu = (f" server={fmt(record.get('serverCpuUsPerOp'))}us/op loadgen={percent(record.get('loadgenCpu'))}"
                           f" {fmt(record.get('loadgenCpuUsPerOp'))}us/op"
                           + (f" {record['engine']}" if record.get("engine") else "")
                           + (" LOAD-BOUND" if record.get("loadBound") else "")) if scenario.mode in ("rr", "cpr") else ""
                    print(f"[{time.monotonic() - started:6.0f}s] round {round_no} {scenario.name:<11} {shown_as:<17} "
                          f"{scenario.metric}={fmt(value)}{cpu} errors={record['errors']}"
                          + (f" ({record['error']})" if record.get("error") else ""), flush=True)
    if args.demo:
        records += run_demo(jvm, args.jar, timing.demo_runs, args.demo_command)
        print(f"[{time.monotonic() - started:6.0f}s] demo done", flush=True)

    # The demo always compares with the Python seed, whichever servers ran.
    shown = list(dict.fromkeys([f"{s}@{e}" if i else s for s in args.servers for i, e in enumerate(args.engines)]
                               + ["python-seed"]))
    rows = summarize(records, args.scenarios, shown)
    RESULTS.mkdir(exist_ok=True)
    meta = machine_info(jvm) | {"loadAverageAtStart": load, "loadAverageAtEnd": load_average(), "rounds": args.rounds,
                                "quick": args.quick, "elapsedSeconds": round(time.monotonic() - started),
                                "timing": timing.__dict__, "demoCommand": args.demo_command,
                                "loadgen": describe_loadgen(records) if args.loadgen == "c" else "Java LoadGenerator"}
    table = describe_machine(meta) + render_table(rows)
    (RESULTS / "latest.json").write_text(json.dumps({"meta": meta, "summary": rows, "runs": records}, indent=2) + "\n")
    write_csv(rows, RESULTS / "latest.csv")
    (RESULTS / "latest.txt").write_text(table)
    caption = (f"echoloop {meta['commit'] or ''}, {meta['date'][:10]}, {meta['java'] or 'java ?'}, "
               f"server on CPU {SERVER_CPU}, load on CPU {CLIENT_CPU}, {args.rounds} round(s)"
               + (", QUICK smoke run" if args.quick else "")).replace("'", "")
    draw_chart(rows, shown, RESULTS / "latest.png", caption)
    print()
    print(table, end="")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}/latest.{{json,csv,txt,png}} in {meta['elapsedSeconds']} s")
    return 0 if any(r["ok"] for r in records) else 1


if __name__ == "__main__":
    sys.exit(main())
