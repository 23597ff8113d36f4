#!/usr/bin/env python3
"""Issue 20 item 2's trial: --count clients without any token each send one framed-binary
sendMessage of --frame bytes (frame body; the text fills it), read the answer, and then idle.
Reads the daemon's VmRSS before, after the last answer plus --settle seconds, and its peak
(VmHWM). Prints

  rss_before_kb=<a> rss_after_kb=<b> rss_peak_kb=<c> clients=<n> answered=<m> closed=<k> frame_bytes=<f>

(answered: got an answer; closed: the daemon closed them instead, e.g. no room in the budget)."""
import argparse
import asyncio
import struct


def vm_kb(pid, key):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {key} for pid {pid}")


def field_string(fid, text):
    data = text.encode()
    return struct.pack(">bhi", 11, fid, len(data)) + data


def field_i32(fid, value):
    return struct.pack(">bhi", 8, fid, value)


def send_message_frame(frame_bytes):
    """A framed strict-binary sendMessage("", 1, "title", <text>, 0, 0, true) of exactly frame_bytes."""
    name = b"sendMessage"
    head = struct.pack(">Ii", 0x80010001, len(name)) + name + struct.pack(">i", 1)

    def body(text_len):
        return (head + field_string(1, "") + field_i32(2, 1) + field_string(3, "title")
                + field_string(4, "m" * text_len) + field_i32(5, 0) + field_i32(6, 0)
                + struct.pack(">bhb", 2, 7, 1) + b"\x00")

    text_len = frame_bytes - len(body(0))
    frame = body(text_len)
    assert len(frame) == frame_bytes
    return struct.pack(">I", len(frame)) + frame


async def client(frame, results, held, gate):
    async with gate:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", ARGS.port)
        except OSError:
            results["refused"] += 1
            return
    try:
        writer.write(frame)
        await writer.drain()
        length = struct.unpack(">I", await reader.readexactly(4))[0]
        await reader.readexactly(length)
        results["answered"] += 1
        held.append(writer)  # kept open, idle
    except (OSError, asyncio.IncompleteReadError):
        results["closed"] += 1
        writer.close()


async def main():
    frame = send_message_frame(ARGS.frame)
    before = vm_kb(ARGS.pid, "VmRSS")
    results = {"answered": 0, "closed": 0, "refused": 0}
    held = []
    gate = asyncio.Semaphore(ARGS.parallel)
    await asyncio.gather(*(client(frame, results, held, gate) for _ in range(ARGS.count)))
    await asyncio.sleep(ARGS.settle)
    after = vm_kb(ARGS.pid, "VmRSS")
    peak = vm_kb(ARGS.pid, "VmHWM")
    for writer in held:
        writer.close()
    print(f"rss_before_kb={before} rss_after_kb={after} rss_peak_kb={peak} clients={ARGS.count} "
          f"answered={results['answered']} closed={results['closed']} frame_bytes={ARGS.frame}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--frame", type=int, default=65536)
    parser.add_argument("--parallel", type=int, default=1000, help="connections opened at once")
    parser.add_argument("--settle", type=float, default=5)
    ARGS = parser.parse_args()
    asyncio.run(main())
