"""A fake journald stdout socket, for tests/daemon-output.sh.

Listens on the unix stream socket PATH (what sd_journal_stream_fd(3)
connects to: /run/systemd/journal/stdout), and writes every byte each
connection sends into DIR/stream.N, N counting connections from 0, once
the connection ends.  DIR/ready appears once it listens.  Runs until
killed.
"""
import os
import socket
import sys
import threading


def keep(conn, path):
    data = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    with open(path + ".part", "wb") as f:
        f.write(data)
    os.rename(path + ".part", path)


def main():
    path, out = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    sock.listen(16)
    open(os.path.join(out, "ready"), "w").close()
    n = 0
    while True:
        conn, _ = sock.accept()
        name = os.path.join(out, "stream.%d" % n)
        threading.Thread(target=keep, args=(conn, name)).start()
        n += 1


main()
