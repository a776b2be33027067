"""The W3C layer: webrtc.RTCPeerConnection between two of our peers over loopback."""

from __future__ import annotations

import asyncio
import functools

import pytest

import webrtc
from conftest import configuration, connect_trickle, peer_pair, wait_for

make_pair = functools.partial(peer_pair, webrtc)


async def test_connect_with_trickled_candidates(closing):
    a, b = make_pair(closing)
    candidates = []
    a.on("icecandidate", candidates.append)
    states = {"a": [], "b": []}
    a.on("connectionstatechange", lambda: states["a"].append(a.connectionState))
    b.on("connectionstatechange", lambda: states["b"].append(b.connectionState))
    signaling = []
    a.on("signalingstatechange", lambda: signaling.append(a.signalingState))
    channel = a.createDataChannel("chat")
    await connect_trickle(a, b)
    await wait_for(lambda: channel.readyState == "open")
    await wait_for(lambda: b.connectionState == "connected")
    assert states["a"] == ["connecting", "connected"]
    assert states["b"] == ["connecting", "connected"]
    assert signaling == ["have-local-offer", "stable"]
    assert a.iceConnectionState in ("connected", "completed")
    assert a.iceGatheringState == "complete"
    # Trickled candidates are W3C-shaped, and the last one is None.
    assert candidates[-1] is None
    first = candidates[0]
    assert first.candidate.startswith("candidate:")
    assert first.sdpMid == "0" and first.sdpMLineIndex == 0
    assert first.address == "127.0.0.1" and first.protocol in ("udp", "tcp")
    assert first.type == "host" and first.component == "rtp"


async def test_offer_and_answer_descriptions(closing):
    a, b = make_pair(closing)
    a.createDataChannel("x")
    offer = await a.createOffer()
    assert offer.type == "offer" and "m=application" in offer.sdp
    assert a.localDescription is None and a.signalingState == "stable"
    await a.setLocalDescription(offer)
    assert a.signalingState == "have-local-offer"
    assert a.localDescription.type == "offer"
    await b.setRemoteDescription(a.localDescription)
    assert b.signalingState == "have-remote-offer"
    assert b.remoteDescription.sdp.startswith("v=0")
    answer = await b.createAnswer()
    assert answer.type == "answer"
    await b.setLocalDescription(answer)
    assert b.signalingState == "stable"


async def test_implicit_set_local_description(closing):
    a, b = make_pair(closing)
    channel = a.createDataChannel("x")

    async def forward(candidate, peer):
        while peer.remoteDescription is None:
            await asyncio.sleep(0)
        if candidate is not None:
            await peer.addIceCandidate(candidate)

    a.on("icecandidate", lambda c: forward(c, b))
    b.on("icecandidate", lambda c: forward(c, a))
    await a.setLocalDescription()
    assert a.localDescription.type == "offer"
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription()
    assert b.localDescription.type == "answer"
    await a.setRemoteDescription(b.localDescription)
    await wait_for(lambda: channel.readyState == "open")


async def test_negotiationneeded_fires_for_first_channel(closing):
    (a, _) = make_pair(closing)
    fired = []
    a.on("negotiationneeded", lambda: fired.append(True))
    a.createDataChannel("x")
    await wait_for(lambda: fired, what="negotiationneeded")


async def test_datachannel_event_and_close_states(closing):
    a, b = make_pair(closing)
    remote = []
    b.on("datachannel", remote.append)
    channel = a.createDataChannel("chat", protocol="proto")
    await connect_trickle(a, b)
    await wait_for(lambda: remote and remote[0].readyState == "open")
    assert remote[0].label == "chat" and remote[0].protocol == "proto"
    assert remote[0].id == channel.id
    events = []
    remote[0].on("close", lambda: events.append("close"))
    await a.close()
    assert a.connectionState == "closed" and a.signalingState == "closed"
    assert channel.readyState == "closed"
    await wait_for(lambda: events == ["close"], what="remote close")


async def test_sctp_transport(closing):
    a, b = make_pair(closing)
    assert a.sctp is None
    a.createDataChannel("x")
    await connect_trickle(a, b)
    await wait_for(lambda: a.connectionState == "connected")
    assert a.sctp is not None
    assert a.sctp.maxMessageSize == 262144
    assert a.sctp.state == "connected"


async def test_transceivers_from_remote_media_offer(closing):
    import aiortc

    offerer = aiortc.RTCPeerConnection(configuration(aiortc))
    closing(offerer)
    offerer.addTransceiver("audio")
    offerer.addTransceiver("video", direction="recvonly")
    (pc, _) = make_pair(closing)
    assert pc.getTransceivers() == [] and pc.getSenders() == [] and pc.getReceivers() == []
    await offerer.setLocalDescription(await offerer.createOffer())
    await pc.setRemoteDescription(offerer.localDescription)
    kinds = [(t.kind, t.mid) for t in pc.getTransceivers()]
    assert kinds == [("audio", "0"), ("video", "1")]
    assert len(pc.getSenders()) == 2 and len(pc.getReceivers()) == 2


async def test_relay_policy_without_turn_gathers_nothing(closing):
    (a, _) = make_pair(closing, iceTransportPolicy="relay")
    candidates = []
    a.on("icecandidate", candidates.append)
    a.createDataChannel("x")
    await a.setLocalDescription(await a.createOffer())
    await wait_for(lambda: a.iceGatheringState == "complete")
    assert candidates == [None]
    assert "a=candidate" not in a.localDescription.sdp


@pytest.mark.parametrize(
    "policy,gathered_mids",
    [
        ("balanced", ["0", "1", "2", "3"]),  # libwebrtc gathers for every section then
        ("max-compat", ["0", "1", "2", "3"]),
        ("max-bundle", ["0"]),  # only the first section's transport exists
        (webrtc.RTCBundlePolicy.MAX_BUNDLE, ["0"]),
    ],
    ids=["balanced", "max-compat", "max-bundle", "enum-max-bundle"],
)
async def test_bundle_policies(closing, policy, gathered_mids):
    a, b = make_pair(closing, bundlePolicy=policy)
    mids = []
    a.on("icecandidate", lambda c: c is not None and mids.append(c.sdpMid))
    a.addTransceiver("audio")
    a.addTransceiver("video")
    a.addTransceiver("video")
    channel = a.createDataChannel("x")
    await connect_trickle(a, b)
    await wait_for(lambda: channel.readyState == "open")
    assert sorted(set(mids)) == gathered_mids
    assert "a=group:BUNDLE 0 1 2 3" in a.localDescription.sdp
    # Whatever was gathered, the answer bundles everything onto one transport.
    assert len((await a.getStats()).of_type("transport")) == 1


def test_constructed_before_loop_runs():
    # A plain (not async) test: no event loop exists while the connection is made.
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    pc = webrtc.RTCPeerConnection(configuration(webrtc))
    channel = pc.createDataChannel("early")

    async def main():
        offer = await pc.createOffer()
        assert "m=application" in offer.sdp
        await pc.setLocalDescription(offer)
        await wait_for(lambda: pc.iceGatheringState == "complete")
        assert "a=candidate:" in pc.localDescription.sdp
        await pc.close()

    asyncio.run(main())
    assert channel.readyState == "closed"


async def test_close_is_idempotent(closing):
    (a, _) = make_pair(closing)
    await a.close()
    await a.close()
    assert a.connectionState == "closed"


async def test_current_and_pending_descriptions(closing):
    a, b = make_pair(closing)
    a.createDataChannel("x")
    assert a.canTrickleIceCandidates is None
    await a.setLocalDescription(await a.createOffer())
    assert a.pendingLocalDescription.type == "offer" and a.currentLocalDescription is None
    await b.setRemoteDescription(a.localDescription)
    assert b.pendingRemoteDescription.type == "offer" and b.currentRemoteDescription is None
    assert b.canTrickleIceCandidates is True
    await b.setLocalDescription(await b.createAnswer())
    assert b.currentLocalDescription.type == "answer" and b.pendingLocalDescription is None
    assert b.currentRemoteDescription.type == "offer" and b.pendingRemoteDescription is None
    await a.setRemoteDescription(b.localDescription)
    assert a.currentLocalDescription.type == "offer" and a.pendingLocalDescription is None
    assert a.currentRemoteDescription.type == "answer" and a.pendingRemoteDescription is None


async def test_restart_ice_renegotiates(closing):
    a, b = make_pair(closing)
    remote = []
    b.on("datachannel", remote.append)
    channel = a.createDataChannel("x")
    await connect_trickle(a, b)
    await wait_for(lambda: channel.readyState == "open" and remote)
    received = []
    remote[0].on("message", received.append)

    def ufrag(pc):
        return next(line for line in pc.localDescription.sdp.splitlines() if line.startswith("a=ice-ufrag:"))

    before = ufrag(a)
    needed = []
    a.on("negotiationneeded", lambda: needed.append(True))
    a.restartIce()
    await wait_for(lambda: needed, what="negotiationneeded after restartIce")
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    assert ufrag(a) != before
    await wait_for(lambda: a.iceConnectionState in ("connected", "completed"))
    channel.send("after restart")
    await wait_for(lambda: received == ["after restart"])


async def test_transceiver_direction_and_stop(closing):
    import aiortc

    offerer = aiortc.RTCPeerConnection(configuration(aiortc))
    closing(offerer)
    offerer.addTransceiver("audio")
    offerer.addTransceiver("video")
    await offerer.setLocalDescription(await offerer.createOffer())
    (pc, _) = make_pair(closing)
    await pc.setRemoteDescription(offerer.localDescription)
    audio, video = pc.getTransceivers()
    assert audio.direction == "recvonly" and audio.currentDirection is None
    with pytest.raises(TypeError, match="direction must be one of"):
        audio.direction = "sideways"
    audio.direction = "inactive"
    video.stop()
    assert video.stopped and video.direction == "stopped"
    await pc.setLocalDescription(await pc.createAnswer())
    sdp = pc.localDescription.sdp
    assert "a=inactive" in sdp.split("m=audio", 1)[1].split("m=", 1)[0]
    # libwebrtc answers a section stopped before the answer as inactive; the next offer rejects it.
    assert "a=inactive" in sdp.split("m=video", 1)[1]
    assert pc.getTransceivers()[0].currentDirection == "inactive"
    await pc.close()
    with pytest.raises(webrtc.InvalidStateError):
        audio.direction = "sendrecv"
