"""Connection setup time: the costs that were taken out stay out.

- libwebrtc initializes libsrtp (about 15 ms of self-tests) whenever its SRTP session count
  rises from zero, so connections made one at a time each paid it; the engine keeps one
  session alive. Checked relatively (setup with no other connection alive against setup
  next to a live one), so a slow machine cannot fail it and a 15 ms cost cannot pass it.
- libwebrtc's port allocator waits 50 ms between gathering steps; ours does not, so
  gathering on loopback completes at once. aiortc_compat's setLocalDescription returns when
  gathering is complete: with the step delay back it takes 100 ms or more.
"""

from __future__ import annotations

import gc
import statistics
import time

import webrtc
from webrtc import aiortc_compat as compat
from conftest import configuration, connect_trickle, wait_for

ROUNDS = 9


async def setup_once(module) -> tuple[float, float, list]:
    """Seconds from createOffer to an open channel, seconds setLocalDescription took for the
    offer, and the pair (to be closed by the caller)."""
    a = module.RTCPeerConnection(configuration(module))
    b = module.RTCPeerConnection(configuration(module))
    channel = a.createDataChannel("x")
    start = time.perf_counter()
    if module is compat:
        offer = await a.createOffer()
        before = time.perf_counter()
        await a.setLocalDescription(offer)
        gathering = time.perf_counter() - before
        await b.setRemoteDescription(a.localDescription)
        await b.setLocalDescription(await b.createAnswer())
        await a.setRemoteDescription(b.localDescription)
    else:
        gathering = 0.0
        await connect_trickle(a, b)
    await wait_for(lambda: channel.readyState == "open", timeout=10, what="channel open")
    return time.perf_counter() - start, gathering, [a, b]


async def close_all(*lists: list) -> None:
    """Close the connections in `lists`, empty them, and wait until none is left alive."""
    for pcs in lists:
        while pcs:
            await pcs.pop().close()

    def released():
        gc.collect()
        return webrtc._native.live_peer_connections() == 0

    await wait_for(released, timeout=10, what="connections released")


async def test_setup_alone_costs_no_more_than_next_to_a_live_connection():
    await close_all([])
    await close_all((await setup_once(webrtc))[2])  # warm-up: first-use costs
    alone, beside = [], []
    for _ in range(ROUNDS):
        seconds, _, pcs = await setup_once(webrtc)
        alone.append(seconds)
        await close_all(pcs)  # nothing alive: libsrtp's session count is back to zero
        _, _, keeper = await setup_once(webrtc)
        seconds, _, pcs = await setup_once(webrtc)
        beside.append(seconds)
        await close_all(pcs, keeper)
    alone_ms, beside_ms = statistics.median(alone) * 1000, statistics.median(beside) * 1000
    assert alone_ms - beside_ms < 7, f"alone {alone_ms:.1f} ms, next to a live one {beside_ms:.1f} ms"
    assert alone_ms < 50, f"setup took {alone_ms:.1f} ms"


async def test_compat_gathering_completes_without_step_delays():
    gatherings, setups = [], []
    for _ in range(ROUNDS):
        seconds, gathering, pcs = await setup_once(compat)
        setups.append(seconds)
        gatherings.append(gathering)
        await close_all(pcs)
    gathering_ms = statistics.median(gatherings) * 1000
    setup_ms = statistics.median(setups) * 1000
    assert gathering_ms < 30, f"setLocalDescription (gathering) took {gathering_ms:.1f} ms"
    assert setup_ms < 60, f"setup took {setup_ms:.1f} ms"
