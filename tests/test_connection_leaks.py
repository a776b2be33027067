"""Connections that come and go leave nothing behind: after a warm-up, 1,000 connect / echo /
close cycles keep open descriptors, threads, native object counts and RSS flat, whether the
connections are closed or only dropped and collected."""

from __future__ import annotations

import asyncio
import gc
import os
import time

import pytest

import webrtc
import webrtc.aiortc_compat
from conftest import configuration, connect_full, connect_trickle, wait_for

CYCLES = 1000
WARM_UP = 50


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def native_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def native_counts() -> dict[str, int]:
    native = webrtc._native
    return {
        "peer connections": native.live_peer_connections(),
        "data channels": native.live_data_channels(),
        "remote tracks": native.live_remote_tracks(),
        "event queues": native.live_event_queues(),
    }


def snapshot() -> dict:
    gc.collect()
    return {"fds": open_fds(), "threads": native_threads(), **native_counts()}


async def echo_cycle(module, close: bool) -> None:
    a = module.RTCPeerConnection(configuration(module))
    b = module.RTCPeerConnection(configuration(module))

    @b.on("datachannel")
    def on_datachannel(channel):
        channel.on("message", lambda message: channel.send("echo " + message))
        if channel.readyState == "open":  # aiortc announces it open
            channel.send("hello")
        else:
            channel.on("open", lambda: channel.send("hello"))

    channel = a.createDataChannel("echo")
    replies: list[str] = []
    channel.on("message", lambda message: replies.append(message) or channel.send("ping"))
    if module is webrtc:
        await connect_trickle(a, b)
    else:
        await connect_full(a, b)
    await wait_for(lambda: "echo ping" in replies, timeout=10, what="the echo")
    if close:
        await a.close()
        await b.close()
    # Without close(): the connections, their channels and handlers form cycles that only
    # the collector frees; the caller collects now and then.


async def run_cycles(module, close: bool) -> tuple[dict, dict, float, float, float]:
    for _ in range(WARM_UP):
        await echo_cycle(module, close)
    await settle(lambda now: not any(native_counts().values()))
    before, rss_before = snapshot(), rss_mb()
    started = time.perf_counter()
    for cycle in range(CYCLES):
        await echo_cycle(module, close)
        if not close and cycle % 50 == 49:
            gc.collect()
    elapsed = time.perf_counter() - started
    after = await settle(lambda now: now == before)
    return before, after, rss_before, rss_mb(), elapsed / CYCLES


async def settle(done, timeout: float = 10.0) -> dict:
    """Let closing finish (native teardown events, the collector's finalizers): snapshots
    until done(snapshot) holds or the deadline passes; returns the last one."""
    deadline = time.monotonic() + timeout
    while True:
        now = snapshot()
        if done(now) or time.monotonic() > deadline:
            return now
        await asyncio.sleep(0.02)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("close", [True, False], ids=["closed", "dropped"])
@pytest.mark.parametrize("module", [webrtc, webrtc.aiortc_compat], ids=["w3c", "compat"])
async def test_connect_echo_close_cycles_leave_nothing(module, close):
    before, after, rss_before, rss_after, per_cycle = await run_cycles(module, close)
    print(f"\n{module.__name__} {'closed' if close else 'dropped'}: "
          f"{per_cycle * 1000:.1f} ms per cycle, RSS {rss_before:.0f} -> {rss_after:.0f} MB, "
          f"{before} -> {after}")
    assert after == before
    # A leaked connection costs far more than this over 1,000 cycles (its certificate,
    # transports and queues); allocator noise stays well below it.
    assert rss_after - rss_before < 40, f"RSS grew by {rss_after - rss_before:.0f} MB"


MEDIA_CYCLES = 150
MEDIA_WARM_UP = 20


async def media_cycle(close: bool) -> None:
    """Our sender, our receiver: a few frames of video and audio, then the sender hangs up
    and the receiver reads its tracks to the end."""
    from send_sources import quadrant_track, tone_track

    module = webrtc.aiortc_compat
    a = module.RTCPeerConnection(configuration(module))
    b = module.RTCPeerConnection(configuration(module))
    a.addTrack(quadrant_track(module, 160, 120))
    a.addTrack(tone_track(module))
    tracks = []
    b.on("track", tracks.append)
    await connect_full(a, b)
    for track in tracks:
        await asyncio.wait_for(track.recv(), 10)
    await a.close()
    for track in tracks:
        with pytest.raises(module.MediaStreamError):
            while True:
                await asyncio.wait_for(track.recv(), 10)
    if close:
        await b.close()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("close", [True, False], ids=["closed", "dropped"])
async def test_media_cycles_leave_nothing(close):
    for _ in range(MEDIA_WARM_UP):
        await media_cycle(close)
    await settle(lambda now: not any(native_counts().values())
                 and not webrtc._native.live_local_tracks())
    before, rss_before = snapshot(), rss_mb()
    started = time.perf_counter()
    for cycle in range(MEDIA_CYCLES):
        await media_cycle(close)
        if not close and cycle % 25 == 24:
            gc.collect()
    per_cycle = (time.perf_counter() - started) / MEDIA_CYCLES
    after = await settle(lambda now: now == before and not webrtc._native.live_local_tracks())
    after["sources"] = webrtc._native.live_local_tracks()
    before["sources"] = 0
    print(f"\nmedia {'closed' if close else 'dropped'}: {per_cycle * 1000:.0f} ms per cycle, "
          f"RSS {rss_before:.0f} -> {rss_mb():.0f} MB, {before} -> {after}")
    assert after == before
    assert rss_mb() - rss_before < 40
