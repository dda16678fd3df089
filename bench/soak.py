#!/usr/bin/env python3
"""make soak: a bounded mixed workload against echoloop on loopback.

Well-behaved clients pipeline lines and check that every one is answered, in order; bad clients (NUL bytes, invalid
UTF-8, a 1-byte dribble, half-close, reset mid-reply, connect/close storms, oversized lines, binary garbage) run in a
loop beside them. Prints one summary line and exits non-zero on any lost reply, any server error, or a server that does
not stop cleanly on SIGTERM.
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"
PIPELINE = 32


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = self.replied = self.bad_clients = 0
        self.failures = []

    def add(self, **amounts):
        with self.lock:
            for name, amount in amounts.items():
                setattr(self, name, getattr(self, name) + amount)

    def fail(self, what):
        with self.lock:
            self.failures.append(what)


def connect(port, timeout=10):
    sock = socket.create_connection((HOST, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_lines(sock, count, buffered=b""):
    """Reads count newline-terminated replies; returns them and what is left over."""
    lines = []
    while len(lines) < count:
        while b"\n" not in buffered:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed after %d of %d replies" % (len(lines), count))
            buffered += chunk
        line, buffered = buffered.split(b"\n", 1)
        lines.append(line)
    return lines, buffered


def good_client(port, client_id, deadline, counters):
    """Pipelines PIPELINE lines at a time on one persistent connection and checks every reply, in order."""
    sequence = 0
    with connect(port) as sock:
        leftover = b""
        while time.monotonic() < deadline:
            records = [b"good-%d-%d" % (client_id, sequence + i) for i in range(PIPELINE)]
            sock.sendall(b"".join(r + b"\n" for r in records))
            counters.add(sent=len(records))
            replies, leftover = read_lines(sock, len(records), leftover)
            for record, reply in zip(records, replies):
                if reply.endswith(b": " + record):
                    counters.add(replied=1)
                else:
                    counters.fail("expected %r, got %r" % (record, reply[:80]))
            sequence += PIPELINE


def read_to_end(sock):
    """Everything the server sends until it closes the connection."""
    received = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return received
        received += chunk


def expect_reply(sock, record):
    replies, _ = read_lines(sock, 1)
    if not replies[0].endswith(b": " + record):
        raise AssertionError("expected %r, got %r" % (record, replies[0][:80]))


def bad_nul_and_invalid_utf8(port, max_frame):
    with connect(port) as sock:
        record = b"nul\x00invalid\xc3\x28\xff"
        sock.sendall(record + b"\n")
        expect_reply(sock, record)


def bad_dribble(port, max_frame):
    with connect(port) as sock:
        for byte in b"dribbled one byte at a time\n":
            sock.send(bytes([byte]))
        expect_reply(sock, b"dribbled one byte at a time")


def bad_half_close(port, max_frame):
    with connect(port) as sock:
        sock.sendall(b"one\ntwo\nlast")
        sock.shutdown(socket.SHUT_WR)
        received = read_to_end(sock)
        lines = received.split(b"\n")
        if len(lines) != 4 or not lines[2].endswith(b": last"):
            raise AssertionError("half-close replies: %r" % received[:200])


def bad_reset_mid_reply(port, max_frame):
    sock = connect(port)
    sock.sendall((b"r" * 1000 + b"\n") * 2000)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()


def bad_connect_close_storm(port, max_frame):
    for _ in range(200):
        connect(port).close()


def bad_oversized_line(port, max_frame):
    with connect(port) as sock:
        sock.sendall(b"z" * (max_frame + 1))
        received = read_to_end(sock)
        if received != b"ERR frame too long (max %d bytes)\n" % max_frame:
            raise AssertionError("oversized line got %r" % received[:200])


def bad_garbage(port, max_frame):
    with connect(port) as sock:
        garbage = bytes((i * 151 + 7) % 256 for i in range(4096)).replace(b"\n", b"")
        sock.sendall(garbage + b"\n")
        expect_reply(sock, garbage)


def is_server_error(line):
    """An ERROR line, or an exception the server did not expect. The access log's end of a connection that
    bad_reset_mid_reply reset is `failed: ...NativeIoException: ... Connection reset by peer`: the server saw
    exactly what that client did, so it is no server error."""
    if " access - " in line and "Connection reset by peer" in line:
        return False
    return " ERROR " in line or "Exception" in line


BAD_CLIENTS = [bad_nul_and_invalid_utf8, bad_dribble, bad_half_close, bad_reset_mid_reply,
               bad_connect_close_storm, bad_oversized_line, bad_garbage]


def bad_client_loop(port, max_frame, deadline, counters):
    rounds = 0
    while time.monotonic() < deadline:
        bad = BAD_CLIENTS[rounds % len(BAD_CLIENTS)]
        try:
            bad(port, max_frame)
        except Exception as error:  # a wrong answer to a bad client is the server's failure
            counters.fail("%s: %s" % (bad.__name__, error))
        counters.add(bad_clients=1)
        rounds += 1


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30, help="how long the workload runs (max 60)")
    parser.add_argument("--good-clients", type=int, default=16)
    parser.add_argument("--bad-loops", type=int, default=2)
    parser.add_argument("--java", default="java")
    parser.add_argument("--jar", default="target/echoloop.jar")
    parser.add_argument("--jvm-options", help="a java @argfile of JVM flags, e.g. conf/jvm.options")
    args = parser.parse_args()
    seconds = max(1, min(args.seconds, 60))
    max_frame = 4096

    conf = '{"port":0,"framing":"line","instances":2,"maxFrameBytes":%d,"shutdownTimeoutSeconds":10}' % max_frame
    jvm_flags = ["@" + args.jvm_options] if args.jvm_options else []
    server = subprocess.Popen([args.java, *jvm_flags, "-jar", args.jar, "-conf", conf],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    port = None
    for line in server.stdout:
        output.append(line)
        found = re.search(r"listening on \S+:(\d+)", line)
        if found:
            port = int(found.group(1))
            break
    if port is None:
        print("soak: the server did not start:\n" + "".join(output), file=sys.stderr)
        return 1
    reader = threading.Thread(target=lambda: output.extend(server.stdout), daemon=True)
    reader.start()

    counters = Counters()
    deadline = time.monotonic() + seconds
    workers = [threading.Thread(target=good_client, args=(port, i, deadline, counters), daemon=True)
               for i in range(args.good_clients)]
    workers += [threading.Thread(target=bad_client_loop, args=(port, max_frame, deadline, counters), daemon=True)
                for _ in range(args.bad_loops)]
    for worker in workers:
        worker.start()
    peak_rss = 0
    while any(worker.is_alive() for worker in workers) and time.monotonic() < deadline + 30:
        peak_rss = max(peak_rss, rss_mb(server.pid))
        time.sleep(0.5)
    stuck = sum(worker.is_alive() for worker in workers)

    server.send_signal(signal.SIGTERM)
    try:
        exit_code = server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        exit_code = "killed"
    reader.join(timeout=5)
    error_lines = [line.rstrip() for line in output if is_server_error(line)]
    server_errors = len(error_lines)

    lost = counters.sent - counters.replied
    print("sent=%d replied=%d lost=%d bad_clients=%d server_errors=%d rss_mb=%d" % (
        counters.sent, counters.replied, lost, counters.bad_clients, server_errors, peak_rss))
    for failure in counters.failures[:5]:
        print("soak: " + failure, file=sys.stderr)
    for line in error_lines[:5]:
        print("soak: server: " + line[:300], file=sys.stderr)
    if stuck:
        print("soak: %d clients still running at the deadline" % stuck, file=sys.stderr)
    if exit_code != 0:
        print("soak: the server exited with %s after SIGTERM" % exit_code, file=sys.stderr)
    healthy = lost == 0 and not counters.failures and not stuck
    return 0 if healthy and server_errors == 0 and exit_code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
