#!/usr/bin/env python3
"""A TCP proxy in front of slurmrestd that loses the answer to a submit.

    slow_proxy.py LISTEN_PORT UPSTREAM_PORT MODE PORTFILE

Every byte is passed on both ways, except that after the first request
that submits a job (POST .../job/submit) has been forwarded:
  drop   -- the proxy waits 1 s (slurmrestd creates the job), then closes
            both connections without passing the answer on;
  delay  -- the answer is held back for 6 s, longer than the client waits.
Later submits pass untouched.  The port listened on is written to PORTFILE
once the proxy is ready.  Used by tests/live/cli_sites.sh.
"""
import socket
import sys
import threading
import time

listen_port, upstream_port, mode, portfile = (
    int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4])
lock = threading.Lock()
submits_seen = 0


def first_submit(data):
    """True the first time a submit request goes through."""
    global submits_seen
    if b"POST " not in data or b"/job/submit" not in data:
        return False
    with lock:
        submits_seen += 1
        return submits_seen == 1


def forward_for(src, dst, seconds):
    """Copy src to dst for that long, then stop."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        src.settimeout(max(end - time.monotonic(), 0.01))
        try:
            data = src.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        dst.sendall(data)


def pump(src, dst, watch, lost):
    """Copy src to dst; watch: this is the client's side.  lost is set
    (per connection) once the submit's answer is to be lost."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if watch and first_submit(data):
                lost.set()  # before the answer can come back
                dst.sendall(data)
                if mode == "drop":
                    # The body may follow the headers in later packets:
                    # pass it on for 1 s (slurmrestd creates the job).
                    forward_for(src, dst, 1.0)
                    break
                continue
            if not watch and lost.is_set():
                if mode == "drop":
                    continue  # the answer is thrown away
                time.sleep(6.0)  # delay: the client has given up by then
                lost.clear()
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def serve(client):
    up = socket.create_connection(("127.0.0.1", upstream_port))
    lost = threading.Event()
    threading.Thread(target=pump, args=(client, up, True, lost),
                     daemon=True).start()
    threading.Thread(target=pump, args=(up, client, False, lost),
                     daemon=True).start()


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen_port))
srv.listen(16)
with open(portfile, "w") as f:
    f.write("%d\n" % srv.getsockname()[1])
while True:
    conn, _ = srv.accept()
    serve(conn)
