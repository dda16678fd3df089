#!/usr/bin/env python3
"""The seed's ThreadingMixIn echo server, ported to Python 3 as a benchmark peer.

Each chunk read is answered with b"<thread name>: <chunk>", the bytes untouched. Unlike the seed's
handler, which answers one recv(1024) and closes, it loops until the client closes, so benchmark
clients can reuse a connection (connection-per-request clients close after one reply anyway).
"""
import argparse
import signal
import socketserver
import sys
import threading


class PersistentHandler(socketserver.BaseRequestHandler):
    """Loops until EOF so benchmark clients can reuse a connection."""

    def handle(self):
        prefix = threading.current_thread().name.encode() + b": "
        try:
            while data := self.request.recv(65536):
                self.request.sendall(prefix + data)
        except ConnectionError:
            # A client that resets ends its own connection; socketserver would print a traceback.
            pass


class ThreadedTCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The default backlog of 5 drops SYNs when hundreds of clients connect at once.
    request_queue_size = 4096


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    server = ThreadedTCPServer((args.host, args.port), PersistentHandler)
    # serve_forever runs on the main thread, so SIGTERM just has to unwind it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, port = server.server_address[:2]
    print(f"listening on {host}:{port}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
