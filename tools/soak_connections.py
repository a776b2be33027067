"""Many connections at once, set up and torn down repeatedly: a soak for leaks.

Each round opens --connections pairs of peer connections in this process (both ends ours,
over 127.0.0.1), each with an open data channel that echoes --messages messages, then closes
them all. After a warm-up round it records open descriptors, threads and RSS after every
round, and fails (exit code 1) when they grow: descriptors or threads above the warm-up's,
or RSS more than --rss-slack MiB above it.

    scripts/netns-run .venv/bin/python tools/soak_connections.py            # 200 x 5 rounds
    scripts/netns-run .venv/bin/python tools/soak_connections.py --connections 50 --rounds 4

The default is 1,000 connection cycles (200 at once, 5 rounds after the warm-up); CI runs the
short form through tests/test_soak_connections.py.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time

import webrtc
from webrtc.demo import connect


def resources() -> dict:
    gc.collect()
    with open("/proc/self/statm") as statm:
        rss = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return {"fds": len(os.listdir("/proc/self/fd")),
            "threads": len(os.listdir("/proc/self/task")), "rss_mb": round(rss, 1),
            "peer_connections": webrtc._native.live_peer_connections(),
            "data_channels": webrtc._native.live_data_channels()}


async def open_pair(messages: int):
    """Two connected peers with a channel; returns them once messages echoes came back."""
    loop = asyncio.get_running_loop()
    offerer, answerer = webrtc.RTCPeerConnection(), webrtc.RTCPeerConnection()
    echoes = 0
    done = loop.create_future()

    def on_datachannel(channel):
        channel.on("message", channel.send)

    def on_echo(message):
        nonlocal echoes
        echoes += 1
        if echoes == messages and not done.done():
            done.set_result(None)

    answerer.on("datachannel", on_datachannel)
    channel = offerer.createDataChannel("soak")
    channel.on("message", on_echo)
    channel.on("open", lambda: [channel.send(f"message {i}") for i in range(messages)])
    await connect(offerer, answerer)
    await asyncio.wait_for(done, 30)
    return offerer, answerer


async def round_of(connections: int, messages: int) -> float:
    started = time.monotonic()
    pairs = await asyncio.gather(*(open_pair(messages) for _ in range(connections)))
    await asyncio.gather(*(pc.close() for pair in pairs for pc in pair))
    del pairs
    return time.monotonic() - started


async def soak(args) -> int:
    webrtc.allow_loopback()
    await round_of(args.connections, args.messages)  # warm-up: the engine's one-time set-up
    baseline = resources()
    print(json.dumps({"round": 0, **baseline}), flush=True)
    worst = dict(baseline)
    for number in range(1, args.rounds + 1):
        seconds = await round_of(args.connections, args.messages)
        now = resources()
        print(json.dumps({"round": number, "seconds": round(seconds, 2), **now}), flush=True)
        for key in ("fds", "threads", "rss_mb"):
            worst[key] = max(worst[key], now[key])
    problems = []
    if worst["fds"] > baseline["fds"]:
        problems.append(f"descriptors grew from {baseline['fds']} to {worst['fds']}")
    if worst["threads"] > baseline["threads"]:
        problems.append(f"threads grew from {baseline['threads']} to {worst['threads']}")
    if worst["rss_mb"] > baseline["rss_mb"] + args.rss_slack:
        problems.append(f"RSS grew from {baseline['rss_mb']} to {worst['rss_mb']} MiB")
    last = resources()
    if last["peer_connections"] or last["data_channels"]:
        problems.append(f"native objects left: {last}")
    cycles = args.connections * args.rounds
    print(json.dumps({"cycles": cycles, "problems": problems}), flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=200, help="pairs at once (200)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds after the warm-up (5)")
    parser.add_argument("--messages", type=int, default=10, help="echoes per channel (10)")
    parser.add_argument("--rss-slack", type=float, default=40.0,
                        help="MiB of RSS growth tolerated over the warm-up round (40)")
    sys.exit(asyncio.run(soak(parser.parse_args())))
