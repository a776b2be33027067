"""python -m webrtc.demo: two peer connections over loopback, talking through a data channel.

Prints a live progress line and a summary: connection time, round trips, bulk throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import webrtc


async def connect(offerer: webrtc.RTCPeerConnection, answerer: webrtc.RTCPeerConnection) -> None:
    """Negotiate between two peers of this process, trickling candidates (W3C layer).

    A candidate can only be added once its receiver has the remote description, so early
    ones wait in a list, as a signaling server would hold them. The tests and the
    benchmarks connect their peers with it too."""
    waiting: dict[int, list] = {id(offerer): [], id(answerer): []}

    async def forward(candidate, peer):
        if candidate is None or peer.signalingState == "closed":
            return
        if peer.remoteDescription is None:
            waiting[id(peer)].append(candidate)
        else:
            await peer.addIceCandidate(candidate)

    async def set_remote(peer, description):
        await peer.setRemoteDescription(description)
        early, waiting[id(peer)] = waiting[id(peer)], []
        for candidate in early:
            await peer.addIceCandidate(candidate)

    offerer.on("icecandidate", lambda c: forward(c, answerer))
    answerer.on("icecandidate", lambda c: forward(c, offerer))
    await offerer.setLocalDescription(await offerer.createOffer())
    await set_remote(answerer, offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await set_remote(offerer, answerer.localDescription)


def progress(text: str) -> None:
    sys.stdout.write("\r\033[K" + text if sys.stdout.isatty() else text + "\n")
    sys.stdout.flush()


async def run(seconds: float, pings: int, message_size: int) -> dict:
    webrtc.allow_loopback()
    loop = asyncio.get_running_loop()
    offerer, answerer = webrtc.RTCPeerConnection(), webrtc.RTCPeerConnection()
    remote_channel: asyncio.Future = loop.create_future()
    answerer.on("datachannel", remote_channel.set_result)

    started = time.perf_counter()
    channel = offerer.createDataChannel("demo")
    opened: asyncio.Future = loop.create_future()
    channel.on("open", lambda: opened.set_result(None))
    await connect(offerer, answerer)
    echo = await asyncio.wait_for(remote_channel, 10)
    await asyncio.wait_for(opened, 10)
    connect_ms = (time.perf_counter() - started) * 1000
    progress(f"connected in {connect_ms:.1f} ms ({offerer.iceConnectionState})")

    # Round trips: the answerer echoes text messages back.
    echo.on("message", lambda m: echo.send(m) if isinstance(m, str) else None)
    replies: asyncio.Queue = asyncio.Queue()
    channel.on("message", replies.put_nowait)
    rtts = []
    for i in range(pings):
        sent = time.perf_counter()
        channel.send(f"ping {i}")
        await asyncio.wait_for(replies.get(), 5)
        rtts.append((time.perf_counter() - sent) * 1000)
        if i % 100 == 0:
            progress(f"round trips: {i + 1}/{pings}, last {rtts[-1]:.3f} ms")
    rtts.sort()

    # Bulk transfer for `seconds`, keeping at most 1 MiB queued.
    received = 0
    done = loop.create_future()

    def on_bulk(message):
        nonlocal received
        if isinstance(message, bytes):
            received += len(message)
        elif message == "end" and not done.done():
            done.set_result(None)

    echo.remove_all_listeners("message")
    echo.on("message", on_bulk)
    payload = bytes(message_size)
    channel.bufferedAmountLowThreshold = 256 * 1024
    low = asyncio.Event()
    channel.on("bufferedamountlow", low.set)
    sent = 0
    bulk_start = time.perf_counter()
    last_report = bulk_start
    while (now := time.perf_counter()) - bulk_start < seconds:
        while channel.bufferedAmount < 1024 * 1024:
            channel.send(payload)
            sent += len(payload)
        low.clear()
        await low.wait()
        if now - last_report > 0.2:
            last_report = now
            rate = received / (now - bulk_start) / 1e6
            progress(f"bulk: {received / 1e6:8.1f} MB received, {rate:7.1f} MB/s")
    channel.send("end")
    await asyncio.wait_for(done, 30)
    bulk_seconds = time.perf_counter() - bulk_start
    await offerer.close()
    await answerer.close()
    return {
        "connect_ms": connect_ms,
        "pings": pings,
        "rtt_median_ms": rtts[len(rtts) // 2] if rtts else 0.0,
        "bytes": received,
        "megabytes_per_second": received / bulk_seconds / 1e6,
        "messages": pings * 2 + received // message_size + 1,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="bulk transfer duration")
    parser.add_argument("--pings", type=int, default=1000, help="round trips to time")
    parser.add_argument("--message-size", type=int, default=16384, help="bulk message bytes")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.seconds, args.pings, args.message_size))
    progress("done")
    print()
    print("python-webrtc demo: two peers over loopback, one data channel")
    print(f"  connection setup   {result['connect_ms']:8.1f} ms (createOffer to channel open)")
    print(f"  round trips        {result['pings']:8d}    median {result['rtt_median_ms']:.3f} ms")
    print(f"  bulk transfer      {result['bytes'] / 1e6:8.1f} MB  {result['megabytes_per_second']:.1f} MB/s")
    print(f"  messages           {result['messages']:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
