#!/usr/bin/env python3
"""Start-up time of a server: spawns it itself (so the clock starts at exec, not after this
interpreter's own start), polls every 2 ms until the Unix socket is listening and the TCP port
accepts, stops it with SIGTERM, and prints the median milliseconds over --runs starts.

  startup.py --unix PATH --port P [--runs N] -- COMMAND ARGS...

The Unix socket is checked in /proc/net/unix, not by connecting: the session manager serves
one ICP peer at a time, and a probe connection is not the peer it is waiting for."""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

SO_ACCEPTCON = 0x10000  # the flag of a listening socket in /proc/net/unix


def unix_listening(path):
    with open("/proc/net/unix") as table:
        next(table)
        return any(len(f) >= 8 and f[7] == path and int(f[3], 16) & SO_ACCEPTCON
                   for f in (line.split() for line in table))


def tcp_accepting(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
        return True
    except OSError:
        return False


def one_start(args, timeout=30.0):
    started = time.monotonic()
    server = subprocess.Popen(args.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              cwd=os.path.dirname(os.path.abspath(args.command[0])))
    try:
        unix_ok = tcp_ok = False
        while not (unix_ok and tcp_ok):
            if time.monotonic() - started > timeout or server.poll() is not None:
                sys.exit(f"not ready after {time.monotonic() - started:.1f} s")
            unix_ok = unix_ok or unix_listening(args.unix)
            tcp_ok = tcp_ok or tcp_accepting(args.port)
            if not (unix_ok and tcp_ok):
                time.sleep(0.002)
        return (time.monotonic() - started) * 1000
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--unix", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    print(round(statistics.median(one_start(args) for _ in range(args.runs))))


if __name__ == "__main__":
    main()
