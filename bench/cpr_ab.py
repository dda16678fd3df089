#!/usr/bin/env python3
"""A/B of echoloop jars on connection per request, for a machine shared with other work (bench/README.md).

Usage: python3 bench/cpr_ab.py ROUNDS SECONDS NAME=JAR[+{json config}] ... NAME=netty
Every server runs at once, pinned to CPU 0; target/bench/echoload (CPU 1) sends 16-worker cpr bursts of SECONDS to
each in turn, ROUNDS times, after a 6 s warm-up burst each. Prints each server's median CPU per connection and the
median of its per-round ratio to the last server named, which cancels most of the machine's drift. Loopback only;
every server is stopped with SIGTERM at the end.
"""
import json, os, re, subprocess, sys, time, statistics, signal
from pathlib import Path
J = str(Path(os.environ.get("BENCH_JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")) / "bin" / "java")
WT = str(Path(__file__).resolve().parent.parent)
OUT = Path(WT) / "bench" / "results" / "cpr_ab"
OUT.mkdir(parents=True, exist_ok=True)
JVM = [l.strip() for l in open(WT + "/conf/jvm.options") if l.strip() and not l.startswith("#")]
def echoloop(jar, extra=None):
    conf = {"host": "127.0.0.1", "port": 0, "instances": 1, "maxConnections": 100000, "accessLog": False}
    conf.update(extra or {})
    return [J, *JVM, "-jar", jar, "-conf", json.dumps(conf)]
specs = {}
for arg in sys.argv[3:]:
    name, kind = arg.split("=", 1)
    if kind == "netty":
        specs[name] = [J, *JVM, "-cp", WT + "/bench/peers/java/target/peers.jar", "dev.echoloop.peers.NettyEchoServer", "--transport", "epoll", "--host", "127.0.0.1", "--port", "0"]
    else:
        jar, _, extra = kind.partition("+")
        specs[name] = echoloop(jar, json.loads(extra) if extra else None)
rounds, dur = int(sys.argv[1]), sys.argv[2]
procs = {}
try:
    for name, cmd in specs.items():
        log = open(OUT / f"{name}.log", "w")
        p = subprocess.Popen(["taskset", "-c", "0", *cmd], stdout=log, stderr=subprocess.STDOUT)
        procs[name] = p
    ports = {}
    for name in specs:
        for _ in range(200):
            m = re.search(r"listening on \S+:(\d+)", open(OUT / f"{name}.log").read())
            if m: ports[name] = m.group(1); break
            time.sleep(0.1)
    def burst(name, d, warm="0"):
        out = subprocess.run(["taskset", "-c", "1", WT + "/target/bench/echoload", "--mode", "cpr", "--port", ports[name],
            "--connections", "16", "--warmup", warm, "--duration", d, "--server-pid", str(procs[name].pid)],
            capture_output=True, text=True, timeout=60).stdout + ""
        m = re.search(r"([\d.]+)/s.*load generator CPU (\d+)%, server CPU ([\d.]+) us/op", out)
        return (float(m.group(1)), int(m.group(2)), float(m.group(3))) if m else None
    for name in specs: burst(name, "6")   # warm-up: JIT
    res = {n: [] for n in specs}
    for r in range(rounds):
        for name in specs:
            b = burst(name, dur)
            res[name].append(b)
        print(f"round {r+1}: " + "  ".join(f"{n} {res[n][-1][2]:.1f}us {res[n][-1][0]:.0f}/s" for n in specs), flush=True)
    base = list(specs)[-1]
    for n in specs:
        us = [x[2] for x in res[n]]
        ratios = [a[2] / b[2] for a, b in zip(res[n], res[base])]
        print(f"{n:14s} median {statistics.median(us):6.1f} us/conn  rate {statistics.median([x[0] for x in res[n]]):7.0f}/s  ratio to {base} median {statistics.median(ratios):.3f}  min..max {min(ratios):.2f}..{max(ratios):.2f}")
finally:
    for p in procs.values():
        p.send_signal(signal.SIGTERM)
    for p in procs.values():
        try: p.wait(20)
        except Exception: p.kill()
