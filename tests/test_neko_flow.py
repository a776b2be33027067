"""neko_agent's connection sequence (aiortc-notes §5.3), with aiortc as the Neko server:
a media offer plus a data channel, answered through webrtc.aiortc_compat exactly as
neko_agent's code does it. Media tracks come with the media release; this pins the
signaling, transceiver and data channel parts."""

from __future__ import annotations

import asyncio

import aiortc
import pytest

from webrtc import aiortc_compat as compat
from webrtc.aiortc_compat.sdp import candidate_from_sdp
from conftest import configuration, wait_for


async def test_neko_style_answer(closing):
    server = aiortc.RTCPeerConnection(configuration(aiortc))
    closing(server)
    server.addTransceiver("audio", direction="sendonly")
    server.addTransceiver("video", direction="sendonly")
    server_channel = server.createDataChannel("data")
    await server.setLocalDescription(await server.createOffer())
    # Neko trickles its candidates: the offer goes without them, they come as signal/candidate.
    offer_lines = server.localDescription.sdp.splitlines()
    candidates = [line[len("a=candidate:"):] for line in offer_lines if line.startswith("a=candidate:")]
    offer_sdp = "".join(
        line + "\r\n" for line in offer_lines
        if not line.startswith("a=candidate:") and line != "a=end-of-candidates"
    )

    # neko_agent: RTCConfiguration(iceServers=[...]); "strict" used to set the string "relay".
    config = compat.RTCConfiguration(iceServers=[])
    pc = compat.RTCPeerConnection(config)
    closing(pc)
    dummy = pc.createDataChannel("neko-dummy", ordered=False, maxRetransmits=0)
    tracks, states = [], []
    pc.on("track", tracks.append)
    pc.on("connectionstatechange", lambda: states.append(pc.connectionState))
    remote_channels = []
    pc.on("datachannel", remote_channels.append)

    await pc.setRemoteDescription(compat.RTCSessionDescription(sdp=offer_sdp, type="offer"))
    for transceiver in pc.getTransceivers():
        if transceiver.kind == "audio" and transceiver.direction == "recvonly":
            transceiver.direction = "inactive"
    for text in candidates:
        candidate = candidate_from_sdp(text)
        candidate.sdpMid, candidate.sdpMLineIndex = "0", 0
        await pc.addIceCandidate(candidate)
    answer = await pc.createAnswer()
    await pc.setLocalDescription(answer)
    assert pc.iceGatheringState == "complete" and pc.signalingState == "stable"
    sdp = pc.localDescription.sdp
    assert "a=candidate:" in sdp
    audio_section = sdp.split("m=audio", 1)[1].split("m=", 1)[0]
    assert "a=inactive" in audio_section
    assert [(t.kind, t.direction, t.currentDirection) for t in pc.getTransceivers()] == [
        ("audio", "inactive", "inactive"),
        ("video", "recvonly", "recvonly"),
    ]

    await server.setRemoteDescription(pc.localDescription)
    await wait_for(lambda: pc.connectionState == "connected", timeout=20)
    await wait_for(lambda: dummy.readyState == "open" and remote_channels, timeout=20)
    assert remote_channels[0].label == "data" and dummy.id is not None
    received = []
    server_channel.on("message", received.append)
    remote_channels[0].send('{"event":"control/request"}')
    await wait_for(lambda: received == ['{"event":"control/request"}'])
    assert states[:2] == ["connecting", "connected"]
    # The pair in use reaches the server at a candidate it signalled, not at a
    # peer-reflexive one learnt from its checks (as it would if the early ones were lost).
    signalled = {(c.ip, c.port) for c in map(candidate_from_sdp, candidates) if c.type == "host"}
    assert signalled
    # The selected pair may still be "in-progress" for a moment after connecting.
    for _ in range(50):
        stats = await pc.getStats()
        (transport,) = [s for s in stats.values() if s.type == "transport"]
        pair = stats[transport.selectedCandidatePairId]
        if pair.state == "succeeded":
            break
        await asyncio.sleep(0.1)
    assert pair.state == "succeeded"
    remote = stats[pair.remoteCandidateId]
    assert remote.candidateType == "host", remote
    assert (remote.address, remote.port) in signalled
    with pytest.raises(AssertionError):
        pc.getTransceivers()[1].direction = "sideways"
