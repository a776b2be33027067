"""Data channel benchmarks: python-webrtc (W3C and aiortc_compat layers) against aiortc, in one
run, over loopback. Run through scripts/benchmark.sh (a loopback-only network namespace).

  setup       createOffer until the channel is open on both sides (median of --runs pairs,
              30 by default)
  throughput  64 MiB in 16 KiB binary messages, keeping bufferedAmount bounded
  messages    10,000 messages of 100 bytes, sent back to back, until all have arrived
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time

import aioice.ice
import aiortc

import webrtc
from webrtc import aiortc_compat
from webrtc.demo import connect as connect_trickle

# aiortc finds no address in a namespace that only has lo unless told to use 127.0.0.1.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
webrtc.allow_loopback()

LIBRARIES = {
    "webrtc (W3C, trickle)": webrtc,
    "webrtc.aiortc_compat": aiortc_compat,
    "aiortc 1.16": aiortc,
}
HIGH_WATER = 1024 * 1024
LOW_WATER = 256 * 1024


async def negotiate(module, offerer, answerer):
    if module is webrtc:  # trickle ICE: candidates flow while negotiating
        await connect_trickle(offerer, answerer)
        return
    await offerer.setLocalDescription(await offerer.createOffer())
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await offerer.setRemoteDescription(answerer.localDescription)


async def open_pair(module, **options):
    """Returns (seconds from createOffer to open on both sides, offerer, answerer, local, remote).

    Waits on the libraries' own events, not by polling, so the timed window is not spent
    competing with a busy event loop."""
    loop = asyncio.get_running_loop()
    config = module.RTCConfiguration(iceServers=[])
    offerer, answerer = module.RTCPeerConnection(config), module.RTCPeerConnection(config)
    local_open, remote_open = loop.create_future(), loop.create_future()

    def on_datachannel(channel):
        if channel.readyState == "open":  # aiortc and the compat layer announce it open
            remote_open.set_result(channel)
        else:
            channel.on("open", lambda: remote_open.done() or remote_open.set_result(channel))

    answerer.on("datachannel", on_datachannel)
    local = offerer.createDataChannel("bench", **options)
    local.on("open", lambda: local_open.done() or local_open.set_result(None))
    started = time.perf_counter()
    await negotiate(module, offerer, answerer)
    await asyncio.wait_for(local_open, 30)
    remote = await asyncio.wait_for(remote_open, 30)
    elapsed = time.perf_counter() - started
    return elapsed, offerer, answerer, local, remote


async def bench_setup(module, runs):
    times = []
    for _ in range(runs + 2):
        elapsed, a, b, _, _ = await open_pair(module)
        times.append(elapsed)
        await a.close()
        await b.close()
    return statistics.median(times[2:]) * 1000  # two warm-up pairs


async def bench_throughput(module, total, size):
    _, a, b, local, remote = await open_pair(module)
    received = 0
    done = asyncio.get_running_loop().create_future()

    def on_message(message):
        nonlocal received
        received += len(message)
        if received >= total and not done.done():
            done.set_result(time.perf_counter())

    remote.on("message", on_message)
    low = asyncio.Event()
    local.bufferedAmountLowThreshold = LOW_WATER
    local.on("bufferedamountlow", low.set)
    payload = bytes(size)
    started = time.perf_counter()
    sent = 0
    while sent < total:
        while sent < total and local.bufferedAmount < HIGH_WATER:
            local.send(payload)
            sent += size
        if sent < total:
            low.clear()
            if local.bufferedAmount > LOW_WATER:
                await low.wait()
    finished = await asyncio.wait_for(done, 300)
    await a.close()
    await b.close()
    return total / (finished - started) / 1e6  # MB/s


async def bench_messages(module, count, size):
    _, a, b, local, remote = await open_pair(module)
    received = 0
    done = asyncio.get_running_loop().create_future()

    def on_message(message):
        nonlocal received
        received += 1
        if received == count and not done.done():
            done.set_result(time.perf_counter())

    remote.on("message", on_message)
    payload = bytes(size)
    started = time.perf_counter()
    for _ in range(count):
        local.send(payload)
    finished = await asyncio.wait_for(done, 300)
    await a.close()
    await b.close()
    return count / (finished - started)  # messages/s


async def main(args) -> dict:
    results: dict[str, dict[str, float]] = {}
    for name, module in LIBRARIES.items():
        gc.collect()
        results[name] = {
            "setup_ms": await bench_setup(module, args.runs),
            "throughput_mb_s": await bench_throughput(module, args.megabytes * 1024 * 1024, 16 * 1024),
            "messages_per_s": await bench_messages(module, args.messages, 100),
        }
        print(f"  measured {name}", file=sys.stderr)
    return results


def report(results: dict) -> None:
    base = results["aiortc 1.16"]
    rows = [
        ("setup (median, ms)", "setup_ms", True),
        ("throughput 64 MiB / 16 KiB (MB/s)", "throughput_mb_s", False),
        ("10,000 x 100 B messages (msg/s)", "messages_per_s", False),
    ]
    names = list(results)
    print(f"{'':36}" + "".join(f"{n:>24}" for n in names))
    for label, key, lower_is_better in rows:
        print(f"{label:36}" + "".join(f"{results[n][key]:>24.1f}" for n in names))
        ratios = []
        for n in names:
            value = results[n][key]
            ratio = base[key] / value if lower_is_better else value / base[key]
            ratios.append(f"{ratio:.1f}x")
        print(f"{'  vs aiortc':36}" + "".join(f"{r:>24}" for r in ratios))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="pairs for the setup median (30)")
    parser.add_argument("--megabytes", type=int, default=64)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--json", help="also write the results to this file")
    arguments = parser.parse_args()
    outcome = asyncio.run(main(arguments))
    report(outcome)
    if arguments.json:
        with open(arguments.json, "w") as f:
            json.dump(outcome, f, indent=2)
