#!/usr/bin/env python3
"""Waits until the given sockets accept connections, polling every 5 ms, and prints the
milliseconds elapsed since --since-ns (a CLOCK_REALTIME timestamp in ns, as from
`date +%s%N`, taken just before the server was started).

  probe_ready.py [--unix PATH] [--port P] --since-ns T [--timeout S]

A probe connection is closed at once: the session manager sees an ICP peer that leaves
before its handshake, which it must tolerate anyway. Exit status 1 on timeout."""
import argparse
import socket
import sys
import time


def accepts(family, address):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.connect(address)
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

    pending = []
    if args.unix:
        pending.append((socket.AF_UNIX, args.unix))
    if args.port:
        pending.append((socket.AF_INET, ("127.0.0.1", args.port)))
    deadline = time.monotonic() + args.timeout
    while pending:
        # A socket that accepted once is not probed again.
        pending = [p for p in pending if not accepts(*p)]
        if not pending:
            break
        if time.monotonic() > deadline:
            print(f"not accepting after {args.timeout} s: {pending}", file=sys.stderr)
            return 1
        time.sleep(0.005)
    print(f"{(time.time_ns() - args.since_ns) / 1e6:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
