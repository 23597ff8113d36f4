#!/usr/bin/env python3
"""Measures what idle connections cost a server: reads its VmRSS, opens --count TCP
connections to 127.0.0.1:--port and holds them without sending anything, waits --settle
seconds for the server to accept them, reads VmRSS again, then closes them. Prints

  rss_before_kb=<a> rss_after_kb=<b> connections=<n>

(connections: how many were opened)."""
import argparse
import socket
import time


def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--settle", type=float, default=2)
    args = parser.parse_args()

    before = vm_rss_kb(args.pid)
    held = []
    for _ in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # The kernel completes a connect before the server accepts it, until the accept
        # queue is full; then connect stalls. Such a connection is not counted.
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", args.port))
            held.append(s)
        except OSError:
            s.close()
    time.sleep(args.settle)
    after = vm_rss_kb(args.pid)
    for s in held:
        s.close()
    print(f"rss_before_kb={before} rss_after_kb={after} connections={len(held)}")


if __name__ == "__main__":
    main()
