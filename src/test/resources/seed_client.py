#!/usr/bin/env python3
"""The client of the Python ThreadingMixIn example (see ../shared/seed/), ported to Python 3 unchanged in behaviour:
connect, sendall, one recv(1024), close, three times."""
import socket
import sys

BUF_SIZE = 1024


def client(ip, port, message):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect((ip, port))
    try:
        sock.sendall(message.encode())
        response = sock.recv(BUF_SIZE)
        print("Client received: %s" % response.decode(errors="replace"))
    finally:
        sock.close()


if __name__ == '__main__':
    ip, port = sys.argv[1], int(sys.argv[2])
    client(ip, port, "Hello from client1")
    client(ip, port, "Hello from client2")
    client(ip, port, "Hello from client3")
