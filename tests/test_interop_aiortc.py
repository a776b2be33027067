"""Interop with aiortc 1.16 as an independent peer, in both directions and both layers."""

from __future__ import annotations

import aiortc
import pytest

import webrtc
from webrtc import aiortc_compat as compat
from conftest import configuration, connect_full, wait_for

LAYERS = {"w3c": webrtc, "compat": compat}


def peers(layer, we_offer, closing):
    ours = LAYERS[layer].RTCPeerConnection(configuration(LAYERS[layer]))
    theirs = aiortc.RTCPeerConnection(configuration(aiortc))
    closing(ours)
    closing(theirs)
    return (ours, theirs) if we_offer else (theirs, ours)


DIRECTIONS = [
    pytest.param(layer, we_offer, id=f"{layer}-{'we-offer' if we_offer else 'aiortc-offers'}")
    for layer in LAYERS
    for we_offer in (True, False)
]


async def open_channel(offerer, answerer, **options):
    remote = []
    answerer.on("datachannel", remote.append)
    local = offerer.createDataChannel("interop", **options)
    await connect_full(offerer, answerer)
    await wait_for(lambda: local.readyState == "open" and remote and remote[0].readyState == "open")
    return local, remote[0]


async def exchange(local, remote, messages):
    at_remote, at_local = [], []
    remote.on("message", at_remote.append)
    local.on("message", at_local.append)
    for message in messages:
        local.send(message)
        remote.send(message)
    await wait_for(lambda: len(at_remote) == len(messages) and len(at_local) == len(messages))
    return at_remote, at_local


@pytest.mark.parametrize("layer,we_offer", DIRECTIONS)
async def test_text_and_binary(closing, layer, we_offer):
    offerer, answerer = peers(layer, we_offer, closing)
    local, remote = await open_channel(offerer, answerer)
    messages = ["hello", b"\x00\xffbinary", "ünïcødé", bytes(60000), "x" * 60000]
    at_remote, at_local = await exchange(local, remote, messages)
    assert at_remote == messages and at_local == messages
    assert offerer.connectionState == "connected" and answerer.connectionState == "connected"


@pytest.mark.parametrize("layer,we_offer", DIRECTIONS)
@pytest.mark.parametrize("options", [{"ordered": False}, {"maxRetransmits": 0}, {"ordered": False, "maxRetransmits": 0}])
async def test_unordered_and_unreliable(closing, layer, we_offer, options):
    offerer, answerer = peers(layer, we_offer, closing)
    local, remote = await open_channel(offerer, answerer, **options)
    assert remote.ordered == options.get("ordered", True)
    assert remote.maxRetransmits == options.get("maxRetransmits")
    messages = [f"m{i}" for i in range(50)]
    at_remote, at_local = await exchange(local, remote, messages)
    assert sorted(at_remote) == sorted(messages) and sorted(at_local) == sorted(messages)


@pytest.mark.parametrize("layer,we_offer", DIRECTIONS)
async def test_negotiated_channels_with_fixed_ids(closing, layer, we_offer):
    offerer, answerer = peers(layer, we_offer, closing)
    a = offerer.createDataChannel("neg", negotiated=True, id=3)
    b = answerer.createDataChannel("neg", negotiated=True, id=3)
    await connect_full(offerer, answerer)
    await wait_for(lambda: a.readyState == "open" and b.readyState == "open")
    assert a.id == b.id == 3
    at_b, at_a = await exchange(a, b, ["one", b"two"])
    assert at_b == ["one", b"two"] and at_a == ["one", b"two"]


@pytest.mark.parametrize("layer,we_offer", DIRECTIONS)
async def test_empty_messages(closing, layer, we_offer):
    offerer, answerer = peers(layer, we_offer, closing)
    local, remote = await open_channel(offerer, answerer)
    at_remote, at_local = await exchange(local, remote, ["", b"", "end"])
    assert at_remote == ["", b"", "end"] and at_local == ["", b"", "end"]
    assert [type(m) for m in at_remote] == [str, bytes, str]


@pytest.mark.parametrize("layer,we_offer", DIRECTIONS)
async def test_five_hundred_channels(closing, layer, we_offer):
    offerer, answerer = peers(layer, we_offer, closing)
    remote = {}
    answerer.on("datachannel", lambda ch: remote.__setitem__(ch.label, ch))
    channels = [offerer.createDataChannel(f"c{i}") for i in range(500)]
    await connect_full(offerer, answerer)
    await wait_for(lambda: len(remote) == 500 and all(c.readyState == "open" for c in channels), timeout=60)
    got = {}
    for label, channel in remote.items():
        channel.on("message", lambda m, label=label: got.__setitem__(label, m))
    for channel in channels:
        channel.send(channel.label)
    await wait_for(lambda: len(got) == 500, timeout=30)
    assert all(label == message for label, message in got.items())


@pytest.mark.parametrize("layer,we_offer", DIRECTIONS)
async def test_remote_close(closing, layer, we_offer):
    offerer, answerer = peers(layer, we_offer, closing)
    local, remote = await open_channel(offerer, answerer)
    closed = []
    remote.on("close", lambda: closed.append(True))
    local.close()
    await wait_for(lambda: closed and local.readyState == "closed", what="channel close")
