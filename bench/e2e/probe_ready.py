#!/usr/bin/env python3
"""Waits until the given sockets accept connections, polling every 5 ms, and prints the
milliseconds elapsed since --since-ns (a CLOCK_REALTIME timestamp in ns, as from
`date +%s%N`, taken just before the server was started).

  probe_ready.py [--unix PATH] [--port P] --since-ns T [--timeout S]

The Unix socket is not probed by connecting: the session manager serves one ICP peer at a
time and would reject the real one while it still holds the probe. The kernel's table of
Unix sockets tells instead whether the path is listening. The TCP port is probed by
connecting and closing at once. Exit status 1 on timeout."""
import argparse
import socket
import sys
import time


# The flag of a listening socket in /proc/net/unix (__SO_ACCEPTCON).
SO_ACCEPTCON = 0x10000


def unix_listening(path):
    with open("/proc/net/unix") as table:
        next(table)  # header
        for line in table:
            fields = line.split()
            if len(fields) >= 8 and fields[7] == path and int(fields[3], 16) & SO_ACCEPTCON:
                return True
    return False


def tcp_accepts(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.connect(("127.0.0.1", port))
            return True
        except OSError:
            return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--unix")
    parser.add_argument("--port", type=int)
    parser.add_argument("--since-ns", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()

    pending = {}
    if args.unix:
        pending[args.unix] = lambda: unix_listening(args.unix)
    if args.port:
        pending[f"127.0.0.1:{args.port}"] = lambda: tcp_accepts(args.port)
    deadline = time.monotonic() + args.timeout
    while pending:
        # A socket that accepted once is not probed again.
        pending = {name: ready for name, ready in pending.items() if not ready()}
        if not pending:
            break
        if time.monotonic() > deadline:
            print(f"not accepting after {args.timeout} s: {', '.join(pending)}", file=sys.stderr)
            return 1
        time.sleep(0.005)
    print(f"{(time.time_ns() - args.since_ns) / 1e6:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
