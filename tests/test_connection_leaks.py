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
    await settle()
    before, rss_before = snapshot(), rss_mb()
    started = time.perf_counter()
    for cycle in range(CYCLES):
        await echo_cycle(module, close)
        if not close and cycle % 50 == 49:
            gc.collect()
    elapsed = time.perf_counter() - started
    await settle()
    return before, snapshot(), rss_before, rss_mb(), elapsed / CYCLES


async def settle() -> None:
    """Let closing finish: native teardown events and the collector's finalizers."""
    for _ in range(3):
        gc.collect()
        await asyncio.sleep(0.05)


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
