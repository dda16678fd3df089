#!/usr/bin/env python3
"""A client that floods an echo server without reading, then reads everything back.

It measures whether the server applies backpressure: a server that keeps reading while
its replies cannot be written has to hold them in memory. Phase 1 writes up to --megabytes
for at most --seconds and never reads, sampling the server's VmRSS from /proc. Phase 2
reads until every payload byte has come back (or --read-seconds pass).

The payload uses only bytes >= 0x80 and the servers' thread names are ASCII, so the echoed
payload is recovered by dropping ASCII bytes, whatever the chunking of the replies.
Talks only to loopback; every loop is bounded in time.
"""
import argparse
import hashlib
import json
import select
import socket
import sys
import time

CHUNK = bytes(0x80 + (i % 128) for i in range(64 * 1024))
ASCII = bytes(range(0x80))


def rss_kb(pid):
    """VmRSS of pid in KiB, or None once the process is gone."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def flood(sock, limit_bytes, seconds, pid, samples):
    """Writes without reading until limit_bytes are sent or seconds pass; returns (sent, digest)."""
    digest = hashlib.blake2b()
    sent = 0
    offset = 0
    deadline = time.monotonic() + seconds
    next_sample = 0.0
    while sent < limit_bytes:
        now = time.monotonic()
        if now >= deadline:
            break
        if now >= next_sample:
            samples.append(rss_kb(pid))
            next_sample = now + 0.1
        _, writable, _ = select.select([], [sock], [], min(0.1, deadline - now))
        if not writable:
            continue
        view = memoryview(CHUNK)[offset:offset + min(len(CHUNK) - offset, limit_bytes - sent)]
        try:
            n = sock.send(view)
        except BlockingIOError:
            continue
        digest.update(view[:n])
        sent += n
        offset = (offset + n) % len(CHUNK)
    samples.append(rss_kb(pid))
    return sent, digest


def read_back(sock, expected, seconds):
    """Reads until `expected` payload bytes came back, EOF, or timeout; returns (payload, total, digest)."""
    digest = hashlib.blake2b()
    payload = total = 0
    deadline = time.monotonic() + seconds
    while payload < expected and time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], min(0.5, max(0.0, deadline - time.monotonic())))
        if not readable:
            continue
        try:
            data = sock.recv(1 << 20)
        except BlockingIOError:
            continue
        except ConnectionError:
            break
        if not data:
            break
        body = data.translate(None, ASCII)
        digest.update(body)
        payload += len(body)
        total += len(data)
    return payload, total, digest


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server-pid", type=int, help="server process whose VmRSS is sampled")
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0, help="longest time spent writing")
    parser.add_argument("--read-seconds", type=float, default=60.0, help="longest time spent reading back")
    parser.add_argument("--json", help="write the result here as well as to stdout")
    parser.add_argument("--label", default="flood")
    args = parser.parse_args()

    # Loopback only, by construction.
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=10)
    sock.setblocking(False)
    samples = []
    rss_before = rss_kb(args.server_pid)
    started = time.monotonic()
    sent, sent_digest = flood(sock, args.megabytes * 1024 * 1024, args.seconds, args.server_pid, samples)
    flood_seconds = time.monotonic() - started
    rss_after_flood = rss_kb(args.server_pid)
    payload, total, received_digest = read_back(sock, sent, args.read_seconds)
    sock.close()

    known = [s for s in samples if s is not None]
    result = {
        "mode": "flood",
        "label": args.label,
        "sentBytes": sent,
        "floodSeconds": round(flood_seconds, 3),
        "receivedBytes": total,
        "echoedPayloadBytes": payload,
        "complete": payload == sent,
        "exact": payload == sent and sent_digest.digest() == received_digest.digest(),
        "readBackSeconds": round(time.monotonic() - started - flood_seconds, 3),
        "serverRssBeforeKb": rss_before,
        "serverRssPeakKb": max(known) if known else None,
        "serverRssAfterFloodKb": rss_after_flood,
        "serverRssGrowthKb": (max(known) - rss_before) if known and rss_before else None,
        "errors": 0 if payload == sent else 1,
    }
    text = json.dumps(result, indent=2)
    if args.json:
        with open(args.json, "w") as out:
            out.write(text + "\n")
    print(text)
    return 0 if result["exact"] else 1


if __name__ == "__main__":
    sys.exit(main())
