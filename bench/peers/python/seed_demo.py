#!/usr/bin/env python3
"""The seed's __main__ in Python 3: a server on port 0, three clients, shutdown.

The benchmark times this whole program against echoloop's Demo.
"""
import socket
import socketserver
import threading

SERVER_HOST = "localhost"
SERVER_PORT = 0
BUF_SIZE = 1024


def client(ip, port, message):
    """A client to test the threading mixin server."""
    with socket.create_connection((ip, port)) as sock:
        sock.sendall(message)
        response = sock.recv(BUF_SIZE)
        print("Client received: %s" % response.decode(errors="replace"))


class ThreadedTCPRequestHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data = self.request.recv(1024)
        current_thread = threading.current_thread()
        self.request.sendall(current_thread.name.encode() + b": " + data)


class ThreadedTCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    pass


if __name__ == "__main__":
    server = ThreadedTCPServer((SERVER_HOST, SERVER_PORT), ThreadedTCPRequestHandler)
    ip, port = server.server_address
    server_thread = threading.Thread(target=server.serve_forever)
    server_thread.daemon = True
    server_thread.start()
    print("Server loop running on thread: %s" % server_thread.name)
    client(ip, port, b"Hello from client1")
    client(ip, port, b"Hello from client2")
    client(ip, port, b"Hello from client3")
    server.shutdown()
    server.server_close()
