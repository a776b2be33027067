"""Interop with headless Chromium (Debian's chromium, driven by Playwright) as a browser
peer, over loopback, in both directions and both layers."""

from __future__ import annotations

import itertools

import pytest

import webrtc
from webrtc import aiortc_compat as compat
from conftest import configuration, gather_complete, wait_for

peer_ids = itertools.count()


LAYERS = [pytest.param(webrtc, id="w3c"), pytest.param(compat, id="compat")]
MESSAGES = ["hello browser", b"\x00\x01\x02binary", "ünïcødé ✓", bytes(50000)]


def describe(message) -> str:
    return "text:" + message if isinstance(message, str) else f"binary:{len(message)}"


async def set_local(pc, description=None):
    await pc.setLocalDescription(description)
    await gather_complete(pc)  # the browser gets a complete description


@pytest.mark.parametrize("module", LAYERS)
async def test_we_offer_browser_answers(closing, browser_page, module):
    peer = f"p{next(peer_ids)}"
    await browser_page.evaluate("id => makePeer(id)", peer)
    pc = module.RTCPeerConnection(configuration(module))
    closing(pc)
    channel = pc.createDataChannel("from-python")
    echoed = []
    channel.on("message", echoed.append)
    # Sent the moment the channel opens, while the browser's DCEP ACK may still be on its
    # way: the order must survive whichever send path each message takes.
    numbered = [f"n{i}" for i in range(100)]
    channel.on("open", lambda: [channel.send(m) for m in MESSAGES + numbered])
    await set_local(pc, await pc.createOffer())
    answer = await browser_page.evaluate("([id, sdp]) => makeAnswer(id, sdp)", [peer, pc.localDescription.sdp])
    await pc.setRemoteDescription(module.RTCSessionDescription(sdp=answer, type="answer"))
    await wait_for(lambda: len(echoed) == len(MESSAGES) + len(numbered), timeout=20)
    assert echoed == MESSAGES + numbered
    state = await browser_page.evaluate("id => state(id)", peer)
    assert state["connection"] == "connected"
    assert state["received"] == [describe(m) for m in MESSAGES + numbered]
    assert state["channels"] == [["from-python", "open"]]


@pytest.mark.parametrize("module", LAYERS)
async def test_browser_offers_we_answer(closing, browser_page, module):
    peer = f"p{next(peer_ids)}"
    await browser_page.evaluate("id => makePeer(id)", peer)
    pc = module.RTCPeerConnection(configuration(module))
    closing(pc)
    announced = []
    pc.on("datachannel", announced.append)
    offer = await browser_page.evaluate("([id, label]) => makeOffer(id, label)", [peer, "from-browser"])
    await pc.setRemoteDescription(module.RTCSessionDescription(sdp=offer, type="offer"))
    await set_local(pc, await pc.createAnswer())
    await browser_page.evaluate("([id, sdp]) => acceptAnswer(id, sdp)", [peer, pc.localDescription.sdp])
    await wait_for(lambda: announced and announced[0].readyState == "open", timeout=20)
    channel = announced[0]
    assert channel.label == "from-browser"
    echoed = []
    channel.on("message", echoed.append)
    for message in MESSAGES:
        channel.send(message)
    await wait_for(lambda: len(echoed) == len(MESSAGES), timeout=20)
    assert echoed == MESSAGES


async def test_browser_closing_closes_compat_connection(closing, browser_page):
    peer = f"p{next(peer_ids)}"
    await browser_page.evaluate("id => makePeer(id)", peer)
    pc = compat.RTCPeerConnection(configuration(compat))
    closing(pc)
    channel = pc.createDataChannel("bye")
    await set_local(pc, await pc.createOffer())
    answer = await browser_page.evaluate("([id, sdp]) => makeAnswer(id, sdp)", [peer, pc.localDescription.sdp])
    await pc.setRemoteDescription(compat.RTCSessionDescription(sdp=answer, type="answer"))
    await wait_for(lambda: channel.readyState == "open", timeout=20)
    await browser_page.evaluate("id => closePeer(id)", peer)
    await wait_for(lambda: pc.connectionState == "closed", timeout=20, what="auto close")
    assert channel.readyState == "closed"
