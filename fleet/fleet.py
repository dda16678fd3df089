#!/usr/bin/env python3
"""make fleet: three echoloop nodes behind HAProxy, observed by Prometheus, through a rolling restart and a crash.

Everything runs on 127.0.0.1 with ports the OS picks. The script starts the nodes (from the fat jar), HAProxy
(conf/haproxy/echoloop.cfg) and Prometheus (conf/prometheus/prometheus.yml), puts load on HAProxy for the whole
scenario, and meanwhile restarts every node in turn with SIGTERM, then kills one with SIGKILL and starts it again 3 s
later. It prints one line,

  sent=N replied=N retried=N lost=0 nodes=3 restarts=3 crashes=1 prometheus_replies=N prometheus_nodes=3

and exits non-zero on any failure. Every process it started is stopped by its pid when it ends, however it ends.

With --faulty-node FAULTS (make fleet-faulty) it runs an observation instead: node-2 carries that `faults` object, the
load runs without restarts, and one line says what HAProxy and the clients saw,

  faulty=node-2 status=UP eresp=N srv_abrt=N cli_abrt=N sent=N replied=N retried=N lost=N resets=N closes=N timeouts=N

exiting non-zero only when the run itself failed (a node that did not start, a reply that did not match).
Logs and the rendered configuration files stay in --work-dir for a look afterwards.
"""
import argparse
import csv
import io
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from pathlib import Path

HOST = "127.0.0.1"
NODES = 3
PROJECT = Path(__file__).resolve().parent.parent
HAPROXY_CONFIG = PROJECT / "conf" / "haproxy" / "echoloop.cfg"
PROMETHEUS_CONFIG = PROJECT / "conf" / "prometheus" / "prometheus.yml"
LAUNCHER_CLASS = "dev.echoloop.EcholoopApplication"
SERVER_VERTICLE = "dev.echoloop.tcp.TcpServerVerticle"
LOAD_GENERATOR_CLASS = "dev.echoloop.loadgen.LoadGenerator"
# Seconds, bounding every wait of the scenario.
START_TIMEOUT = 30
STOP_TIMEOUT = 30
UP_TIMEOUT = 20
CRASH_DOWNTIME = 3
# The load goes on at least this long after the last node is back, so that every node serves again.
TAIL_SECONDS = 2
# Planned for starting the nodes, HAProxy and Prometheus, and for the final scrape: the load gets the rest.
SETUP_SECONDS = 8
REPLY_PREFIX = "{node}/{thread}: "
SCRAPE_INTERVAL = 1


class FleetFailure(Exception):
    """A step of the scenario that did not happen; the message is the one line printed."""


def log(message):
    print("fleet: " + message, file=sys.stderr, flush=True)


def free_ports(count):
    """Ports the OS picks, all held at once so they are distinct, then released for the processes to bind."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_until(what, condition, timeout, interval=0.1, alive=None):
    """Polls condition() until it returns something true; fails after timeout s, or at once if alive() is false."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if alive is not None and not alive():
            raise FleetFailure(what + ": the process exited")
        if time.monotonic() >= deadline:
            raise FleetFailure("%s: not within %d s" % (what, timeout))
        time.sleep(interval)


class Processes:
    """Every process the scenario started, so that all of them are stopped by pid, whatever happens."""

    def __init__(self, work_dir):
        self.work_dir = work_dir
        self.running = []

    def start(self, name, command, env=None):
        log_file = open(self.work_dir / (name + ".log"), "a")
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                                   env=None if env is None else {**os.environ, **env}, cwd=PROJECT)
        log_file.close()
        self.running.append(process)
        return process

    def forget(self, process):
        self.running.remove(process)

    def stop_all(self):
        for process in self.running:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 15
        for process in self.running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self.running.clear()


class Node:
    def __init__(self, index, port, admin_port, java, node_command, work_dir, processes, faults=None):
        self.name = "node-%d" % index
        self.faults = faults
        self.port = port
        self.admin_port = admin_port
        self.java = java
        self.node_command = node_command
        self.work_dir = work_dir
        self.processes = processes
        self.process = None

    def config(self):
        # finalScrapeSeconds: Prometheus gets the last counts of a node that stops gracefully. shutdownDelaySeconds
        # outlasts HAProxy's fall 2 x inter 500 ms, so HAProxy takes the node out before its port closes.
        config = {
            "host": HOST, "port": self.port, "framing": "line", "instances": 2, "accessLog": False,
            "nodeName": self.name, "replyPrefix": REPLY_PREFIX, "proxyProtocol": True,
            "shutdownDelaySeconds": 2, "shutdownTimeoutSeconds": 5, "drain": "boundary",
            "admin": {"host": HOST, "port": self.admin_port, "finalScrapeSeconds": 3 * SCRAPE_INTERVAL}}
        if self.faults:
            config["faults"] = self.faults
        return json.dumps(config)

    def start(self):
        command = [self.java, "@conf/jvm.options", *self.node_command, "-conf", self.config()]
        self.process = self.processes.start(self.name, command)

    def ready(self):
        try:
            with urllib.request.urlopen("http://%s:%d/ready" % (HOST, self.admin_port), timeout=1) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, sig):
        """Sends sig and waits for the exit; returns the exit status and the seconds it took."""
        started = time.monotonic()
        self.process.send_signal(sig)
        try:
            status = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            # A thread dump (SIGQUIT makes the JVM print one to the node's log) shows what held the exit.
            self.process.send_signal(signal.SIGQUIT)
            time.sleep(1)  # the JVM prints the dump asynchronously; it is read from the log below
            raise FleetFailure("%s did not exit within %d s of %s; its last log lines and threads:\n%s"
                               % (self.name, STOP_TIMEOUT, sig.name, self.hang_report()))
        self.processes.forget(self.process)
        return status, time.monotonic() - started


    def hang_report(self):
        """The log lines before the thread dump, and the dump's Vert.x, Netty and shutdown threads (not the JVM's)."""
        text = (self.work_dir / (self.name + ".log")).read_text(errors="replace")
        before, _, dump = text.rpartition("Full thread dump")
        blocks = [block for block in dump.split("\n\n")
                  if block.startswith('"') and not block.startswith(('"C1 ', '"C2 ', '"GC ', '"VM ', '"G1 ',
                                                                      '"Reference', '"Finalizer', '"Signal',
                                                                      '"Common-Cleaner', '"Notification'))]
        return "\n".join(before.splitlines()[-15:]) + "\n" + "\n\n".join(block[:1500] for block in blocks)[:12000]


class HAProxy:
    def __init__(self, work_dir, frontend_port, nodes, processes):
        self.socket_path = str(work_dir / "haproxy.sock")
        self.frontend_port = frontend_port
        self.env = {"ECHOLOOP_HAPROXY_STATS_SOCKET": self.socket_path, "ECHOLOOP_FRONTEND_PORT": str(frontend_port)}
        for node in nodes:
            number = node.name.split("-")[1]
            self.env["ECHOLOOP_NODE_%s_PORT" % number] = str(node.port)
            self.env["ECHOLOOP_NODE_%s_ADMIN_PORT" % number] = str(node.admin_port)
        self.config_file = HAPROXY_CONFIG
        self.processes = processes
        self.process = None

    def start(self):
        haproxy = shutil.which("haproxy")
        if haproxy is None:
            raise FleetFailure("haproxy is not installed (make fleet installs it)")
        # -db: stay in the foreground, so that the pid started here is HAProxy itself.
        self.process = self.processes.start("haproxy", [haproxy, "-db", "-f", str(self.config_file)], env=self.env)
        wait_until("HAProxy's stats socket", lambda: self.stats() is not None, START_TIMEOUT,
                   alive=lambda: self.process.poll() is None)

    def stats(self):
        """`show stat` as {server name: row}, or None while the socket does not answer."""
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(2)
                sock.connect(self.socket_path)
                sock.sendall(b"show stat\n")
                data = b""
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
        except OSError:
            return None
        text = data.decode().lstrip("# ")
        return {row["svname"]: row for row in csv.DictReader(io.StringIO(text)) if row["pxname"] == "echoloop"}

    def failures(self):
        """The backend's counts of what a client could notice: connections no node took (econ) or that a node cut
        (srv_abrt), with the retries (wretr) and redispatches (wredis) that hid a failed connect from the client."""
        row = (self.stats() or {}).get("BACKEND", {})
        return {key: int(row.get(key) or 0) for key in ("econ", "srv_abrt", "wretr", "wredis")}

    def server_counts(self, server):
        """What HAProxy counted on one server: its status, responses it cut off or that failed (eresp), aborts by the
        server (srv_abrt) and by the client (cli_abrt)."""
        row = (self.stats() or {}).get(server, {})
        return {"status": row.get("status", ""),
                **{key: int(row.get(key) or 0) for key in ("eresp", "srv_abrt", "cli_abrt")}}

    def status(self, server):
        stats = self.stats() or {}
        return stats.get(server, {}).get("status", "")

    def wait_up(self, node, timeout=UP_TIMEOUT):
        wait_until("%s UP in HAProxy" % node.name, lambda: self.status(node.name) == "UP", timeout,
                   alive=node.alive)

    def wait_flowing(self, nodes, timeout=UP_TIMEOUT):
        """Waits until HAProxy has sessions open on every node: the load reaches each one."""
        wait_until("load on every node", lambda: all(
            int((self.stats() or {}).get(node.name, {}).get("scur") or 0) > 0 for node in nodes), timeout)

    def wait_down(self, node, timeout=UP_TIMEOUT):
        wait_until("%s out of rotation in HAProxy" % node.name,
                   lambda: self.status(node.name).startswith(("DOWN", "NOLB", "MAINT")), timeout)


class Prometheus:
    def __init__(self, work_dir, port, nodes, processes):
        self.port = port
        self.work_dir = work_dir
        values = {"ECHOLOOP_NODE_%s_ADMIN_PORT" % node.name.split("-")[1]: str(node.admin_port) for node in nodes}
        self.config_file = work_dir / "prometheus.yml"
        # ${ECHOLOOP_...} placeholders, as HAProxy expands them; a placeholder left unknown is a KeyError here.
        self.config_file.write_text(re.sub(r"\$\{(ECHOLOOP_\w+)\}", lambda found: values[found.group(1)],
                                           PROMETHEUS_CONFIG.read_text()))
        self.processes = processes
        self.process = None

    def start(self):
        prometheus = shutil.which("prometheus")
        if prometheus is None:
            raise FleetFailure("prometheus is not installed (make fleet installs it)")
        data = self.work_dir / "prometheus-data"
        shutil.rmtree(data, ignore_errors=True)
        self.process = self.processes.start("prometheus", [
            prometheus, "--config.file=" + str(self.config_file), "--storage.tsdb.path=" + str(data),
            "--web.listen-address=%s:%d" % (HOST, self.port), "--log.level=warn"])
        wait_until("Prometheus ready", self.ready, START_TIMEOUT, alive=lambda: self.process.poll() is None)

    def ready(self):
        try:
            with urllib.request.urlopen("http://%s:%d/-/ready" % (HOST, self.port), timeout=1) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def api(self, path, **params):
        url = "http://%s:%d/api/v1/%s?%s" % (HOST, self.port, path, urllib.parse.urlencode(params))
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = json.load(response)
        except urllib.error.HTTPError as error:
            raise FleetFailure("Prometheus %s: %s %s" % (path, error, error.read()[:300]))
        if body.get("status") != "success":
            raise FleetFailure("Prometheus %s: %s" % (path, body))
        return body["data"]

    def query(self, expression, at=None):
        """An instant query, evaluated now or at the Unix time at."""
        params = {"query": expression} if at is None else {"query": expression, "time": "%.3f" % at}
        return self.api("query", **params)["result"]

    def unreported_by_crash(self, node, killed_at, window):
        """What a node killed at killed_at (a Unix time) most likely answered after its last scrape: the rate between
        its last two scrapes before the kill, times the time from the last one to the kill, plus a scrape interval."""
        series = self.query('echoloop_replies_total{instance="%s:%d"}[%ds]' % (HOST, node.admin_port, window))
        totals = {}
        for one in series:
            for stamp, value in one["values"]:
                if float(stamp) <= killed_at:
                    totals[float(stamp)] = totals.get(float(stamp), 0.0) + float(value)
        stamps = sorted(totals)
        if len(stamps) < 2:
            return 0
        (before, last) = stamps[-2:]
        rate = max(0.0, totals[last] - totals[before]) / (last - before)
        # One more scrape interval: the rate just before is only an estimate, and a busy node answers in bursts.
        return int(rate * (killed_at - last + SCRAPE_INTERVAL))

    def scraped_since(self, moment):
        """The time of the latest scrape once every target has been scraped successfully after moment (a Unix time);
        None until then."""
        targets = self.api("targets", state="active")["activeTargets"]
        scrapes = [parse_rfc3339(target["lastScrape"]) for target in targets if target["health"] == "up"]
        return max(scrapes) if len(scrapes) == NODES and min(scrapes) > moment else None


def parse_rfc3339(text):
    """Prometheus's lastScrape, e.g. 2026-11-29T13:01:02.123456789Z, as a Unix time (to the microsecond)."""
    found = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text)
    if not found:
        return 0.0
    from datetime import datetime
    stamp = datetime.fromisoformat(found.group(1) + (found.group(3).replace("Z", "+00:00")))
    return stamp.timestamp() + float("0" + (found.group(2) or ".0")[:7])


class JavaLoad:
    """echoloop's load generator with --reconnect, as two processes for the whole scenario: rr, pipelining on
    persistent connections, and cpr, a connection per request. Each reopens a connection the server closed and sends
    what it left unanswered again, counted as retried; lost is what never got a reply."""

    def __init__(self, java, classpath, port, seconds, reply_prefix, work_dir, processes, connections, pipeline,
                 workers):
        common = ["--port", str(port), "--reconnect", "--warmup", "0", "--duration", str(seconds),
                  "--reply-prefix", reply_prefix]
        self.runs = {"load-rr": ["--mode", "rr", "--connections", str(connections), "--pipeline", str(pipeline), *common]}
        if workers:
            self.runs["load-cpr"] = ["--mode", "cpr", "--connections", str(workers), *common]
        # The load generator runs flat out; at a lower priority it cannot starve the nodes' restarts on a small machine.
        self.command = ["nice", "-n", "10", java, "@conf/jvm.options", "-cp", classpath, LOAD_GENERATOR_CLASS]
        self.seconds = seconds
        self.work_dir = work_dir
        self.processes = processes
        self.started = {}

    def start(self):
        for name, args in self.runs.items():
            json_file = self.work_dir / (name + ".json")
            json_file.unlink(missing_ok=True)
            self.started[name] = (self.processes.start(name, [*self.command, *args, "--json", str(json_file)]),
                                  json_file)

    def alive(self):
        return all(process.poll() is None for process, _ in self.started.values())

    def finish(self):
        """Waits for both runs to end; returns their summed counts and the set of nodes that replied."""
        totals = {"sent": 0, "replied": 0, "retried": 0, "lost": 0, "mismatched": 0,
                  "resets": 0, "closes": 0, "timeouts": 0, "late": 0}
        failures = []
        nodes = set()
        for name, (process, json_file) in self.started.items():
            try:
                status = process.wait(timeout=self.seconds + 60)
            except subprocess.TimeoutExpired:
                raise FleetFailure("%s did not end within %d s" % (name, self.seconds + 60))
            self.processes.forget(process)
            if not json_file.exists():
                raise FleetFailure("%s exited with %d and no result (see %s.log)" % (name, status, name))
            result = json.loads(json_file.read_text())
            for key in totals:
                totals[key] += int(result.get(key, 0))
            nodes.update(node for node, count in result.get("nodes", {}).items() if count > 0)
            if status != 0:
                failures.append("%s exited with %d: %s" % (name, status,
                                                            (self.work_dir / (name + ".log")).read_text()[-300:]))
        totals["failures"] = failures
        return totals, nodes


def scenario(args, work_dir, processes):
    started = time.monotonic()
    ports = free_ports(2 * NODES + 2)
    node_command = ["-cp", args.classpath, args.launcher, args.verticle] if args.classpath else ["-jar", args.jar]
    nodes = [Node(i + 1, ports[2 * i], ports[2 * i + 1], args.java, node_command, work_dir, processes)
             for i in range(NODES)]
    haproxy = HAProxy(work_dir, ports[-2], nodes, processes)
    prometheus = Prometheus(work_dir, ports[-1], nodes, processes)
    scenario_start = time.time()

    for node in nodes:
        node.start()
    haproxy.start()
    prometheus.start()
    for node in nodes:
        haproxy.wait_up(node, START_TIMEOUT)
    log("3 nodes UP behind HAProxy on %s:%d, Prometheus on %s:%d (%.1f s)"
        % (HOST, haproxy.frontend_port, HOST, prometheus.port, time.monotonic() - started))

    # The load runs for a fixed time planned from the start, so that a slow start-up does not shorten it.
    load_seconds = max(10, args.seconds - SETUP_SECONDS)
    load = JavaLoad(args.java, args.classpath or args.jar, haproxy.frontend_port, load_seconds, REPLY_PREFIX, work_dir,
                    processes, args.connections, args.pipeline, args.workers)
    load_end = time.monotonic() + load_seconds
    load.start()
    haproxy.wait_flowing(nodes)

    restarts = crashes = 0
    haproxy_before = haproxy.failures()
    for node in nodes[:args.restarts]:
        status, took = node.stop(signal.SIGTERM)
        if status != 0:
            raise FleetFailure("%s exited with status %d after SIGTERM (expected 0)" % (node.name, status))
        up_from = time.monotonic()
        haproxy.wait_down(node)
        node.start()
        haproxy.wait_up(node)
        restarts += 1
        log("%s: SIGTERM, exited 0 after %.1f s, started again, UP in HAProxy after %.1f s"
            % (node.name, took, time.monotonic() - up_from))
    haproxy_after_restarts = haproxy.failures()
    crashed = killed_at = None
    if args.crashes:
        node = crashed = nodes[1]
        killed_at = time.time()
        node.stop(signal.SIGKILL)
        haproxy.wait_down(node)
        time.sleep(CRASH_DOWNTIME)  # the scenario's pace: the node stays dead this long, as a crashed host would
        node.start()
        haproxy.wait_up(node)
        crashes += 1
        log("%s: SIGKILL, started again %d s later, UP in HAProxy" % (node.name, CRASH_DOWNTIME))
    if time.monotonic() > load_end - TAIL_SECONDS:
        raise FleetFailure("the restarts outlasted the load's %d s (a busy machine?); raise FLEET_SECONDS"
                           % load_seconds)
    if not load.alive():
        raise FleetFailure("the load ended before its time; see load-*.log in %s" % work_dir)

    counts, nodes_replying = load.finish()
    load_ended = time.time()
    haproxy_at_end = haproxy.failures()
    log("HAProxy backend: before the restarts %s, after them %s, at the end %s"
        % (haproxy_before, haproxy_after_restarts, haproxy_at_end))

    last_scrape = wait_until("a scrape of every node after the load", lambda: prometheus.scraped_since(load_ended),
                             15, 0.25)
    # Evaluated at the next whole second after the last scrape: the subquery's steps fall on whole seconds, and a
    # sample after the last step would be left out of the sum.
    final = math.floor(last_scrape) + 1
    window = int(time.time() - scenario_start) + 5
    # The fleet-wide count of replies over the whole run, across restarts: each step adds what a node's counter grew
    # by in one scrape interval, or, where its series starts again after a restart (no sample a second earlier, or a
    # smaller one), its whole value. Unlike increase(), this does not extrapolate. (`+ 0` drops the metric name, as the
    # subtraction does, so that `or` sees one label set per series.)
    replies_expression = ("sum(sum_over_time(((echoloop_replies_total - echoloop_replies_total offset {s}s) >= 0"
                          " or echoloop_replies_total + 0)[{w}s:{s}s]))").format(s=SCRAPE_INTERVAL, w=window)
    result = prometheus.query(replies_expression, at=final)
    prometheus_replies = int(float(result[0]["value"][1])) if result else 0
    per_node = prometheus.query("sum by (instance) (max_over_time(echoloop_replies_total[%ds])) > 0" % window)
    prometheus_nodes = len(per_node)

    print("sent=%d replied=%d retried=%d lost=%d nodes=%d restarts=%d crashes=%d prometheus_replies=%d "
          "prometheus_nodes=%d" % (counts["sent"], counts["replied"], counts["retried"], counts["lost"],
                                   len(nodes_replying), restarts, crashes, prometheus_replies, prometheus_nodes),
          flush=True)

    problems = list(counts["failures"][:5])
    if counts["mismatched"]:
        problems.append("%d replies did not match their request" % counts["mismatched"])
    lost = max(counts["lost"], counts["sent"] - counts["replied"])
    if lost:
        problems.append("%d requests never got a reply" % lost)
    # A connection HAProxy could not place (econ) or that a node cut (srv_abrt) is one a client saw refused. Without
    # shutdownDelaySeconds a node would close its port while HAProxy still sent it connections, and the kernel would
    # reset those it had queued but not accepted yet.
    refused = sum(haproxy_after_restarts[key] - haproxy_before[key] for key in ("econ", "srv_abrt"))
    if refused:
        problems.append("the rolling restart refused or cut %d connections" % refused)
    if len(nodes_replying) < NODES:
        problems.append("only %s replied" % (", ".join(sorted(nodes_replying)) or "no node"))
    if prometheus_nodes < NODES:
        problems.append("Prometheus has replies from %d nodes only" % prometheus_nodes)
    # A node that stops gracefully is scraped once more after its drain (finalScrapeSeconds), but Prometheus cannot
    # know what the crashed node answered after its last scrape (estimated from its rate just before), and a resent
    # request may have been answered by a node whose reply never arrived: allow both, with a margin for the estimate.
    unreported = prometheus.unreported_by_crash(crashed, killed_at, window) if crashed else 0
    tolerance = int(1.5 * unreported + counts["retried"] + 100)
    log("Prometheus counted %d replies fewer than the load (%.2f %%); the crashed node's last %d unreported and %d"
        " resends explain up to %d" % (counts["replied"] - prometheus_replies, 100.0 * (counts["replied"]
                                        - prometheus_replies) / max(1, counts["replied"]), unreported,
                                       counts["retried"], tolerance))
    if abs(counts["replied"] - prometheus_replies) > tolerance:
        problems.append("Prometheus counted %d replies, the load %d: more apart than the %d that the crash and the"
                        " resends explain" % (prometheus_replies, counts["replied"], tolerance))
    for problem in problems:
        log(problem)
    return 1 if problems else 0


def fault_observation(args, work_dir, processes):
    """make fleet-faulty: node-2 misbehaves on purpose (args.faulty_node, a `faults` object); the load runs through
    HAProxy without restarts, and the summary says what the balancer and the clients made of it."""
    faults = json.loads(args.faulty_node)
    if not isinstance(faults, dict):
        raise FleetFailure("--faulty-node takes a JSON object, echoloop's `faults`, e.g. "
                           "'{\"closeAfterMessages\":3,\"closeWith\":\"rst\"}'")
    ports = free_ports(2 * NODES + 1)
    node_command = ["-cp", args.classpath, args.launcher, args.verticle] if args.classpath else ["-jar", args.jar]
    nodes = [Node(i + 1, ports[2 * i], ports[2 * i + 1], args.java, node_command, work_dir, processes,
                  faults if i == 1 else None) for i in range(NODES)]
    faulty = nodes[1]
    haproxy = HAProxy(work_dir, ports[-1], nodes, processes)
    for node in nodes:
        node.start()
    haproxy.start()
    for node in nodes:
        haproxy.wait_up(node, START_TIMEOUT)
    load_seconds = max(5, args.seconds - SETUP_SECONDS)
    log("3 nodes UP behind HAProxy on %s:%d, %s with faults %s; load for %d s"
        % (HOST, haproxy.frontend_port, faulty.name, json.dumps(faults), load_seconds))
    load = JavaLoad(args.java, args.classpath or args.jar, haproxy.frontend_port, load_seconds, REPLY_PREFIX, work_dir,
                    processes, args.connections, args.pipeline, args.workers)
    load.start()
    counts, _ = load.finish()
    seen = haproxy.server_counts(faulty.name)
    print("faulty=%s status=%s eresp=%d srv_abrt=%d cli_abrt=%d sent=%d replied=%d retried=%d lost=%d resets=%d"
          " closes=%d timeouts=%d" % (faulty.name, seen["status"].replace(" ", "_") or "unknown", seen["eresp"],
                                      seen["srv_abrt"], seen["cli_abrt"], counts["sent"], counts["replied"],
                                      counts["retried"], counts["lost"], counts["resets"], counts["closes"],
                                      counts["timeouts"]), flush=True)
    # Faults make the load generator exit non-zero on purpose (lost requests are its errors); only a reply that did
    # not match its request, or a node that died, means the run itself went wrong.
    problems = []
    if counts["mismatched"]:
        problems.append("%d replies did not match their request" % counts["mismatched"])
    problems.extend("%s exited" % node.name for node in nodes if not node.alive())
    for problem in problems:
        log(problem)
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=90, help="the whole scenario's length (default 90)")
    parser.add_argument("--restarts", type=int, default=NODES, choices=range(0, NODES + 1),
                        help="nodes restarted in turn with SIGTERM (default all 3)")
    parser.add_argument("--crashes", type=int, default=1, choices=(0, 1), help="kill -9 one node (default 1)")
    parser.add_argument("--java", default="java")
    parser.add_argument("--jar", default=str(PROJECT / "target" / "echoloop.jar"))
    parser.add_argument("--classpath", help="run the nodes from this class path instead of the jar (the tests do)")
    parser.add_argument("--launcher", default=LAUNCHER_CLASS, help="with --classpath: the launcher's main class")
    parser.add_argument("--verticle", default=SERVER_VERTICLE, help="with --classpath: the server verticle")
    parser.add_argument("--connections", type=int, default=8, help="persistent pipelining connections (default 8)")
    parser.add_argument("--pipeline", type=int, default=16, help="requests in flight on each of them (default 16)")
    parser.add_argument("--workers", type=int, default=4, help="connection-per-request workers (default 4; 0 for none)")
    parser.add_argument("--faulty-node", metavar="FAULTS",
                        help="observe instead: node-2 runs with this `faults` object (JSON), no restarts")
    parser.add_argument("--work-dir", default=str(PROJECT / "target" / "fleet"),
                        help="logs and rendered configuration (default target/fleet)")
    args = parser.parse_args()
    work_dir = Path(args.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    for old in work_dir.glob("*.log"):
        old.unlink()

    # SIGTERM and SIGINT end the scenario through the same cleanup as a failure.
    def interrupted(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)

    processes = Processes(work_dir)
    try:
        return (fault_observation if args.faulty_node else scenario)(args, work_dir, processes)
    except FleetFailure as failure:
        log("FAILED: %s (logs in %s)" % (failure, work_dir))
        return 1
    except KeyboardInterrupt as interruption:
        log("interrupted by %s" % interruption)
        return 130
    finally:
        processes.stop_all()


if __name__ == "__main__":
    sys.exit(main())
