"""webrtc.aiortc_compat reproduces aiortc 1.16's behaviour (between two of our peers)."""

from __future__ import annotations

import asyncio
import functools
import warnings

import pytest

from webrtc import aiortc_compat as compat
from webrtc.aiortc_compat.sdp import candidate_from_sdp, candidate_to_sdp
from conftest import configuration, connect_full, peer_pair, wait_for

make_pair = functools.partial(peer_pair, compat)


async def test_descriptions_without_trickle(closing):
    a, b = make_pair(closing)
    events = []
    a.on("icecandidate", lambda c: events.append(c))
    a.createDataChannel("x")
    offer = await a.createOffer()
    assert "a=candidate" not in offer.sdp and "end-of-candidates" not in offer.sdp
    await a.setLocalDescription(offer)
    # setLocalDescription returned after gathering: every candidate is in the SDP.
    assert a.iceGatheringState == "complete"
    sdp = a.localDescription.sdp
    assert "a=candidate:" in sdp and "127.0.0.1" in sdp
    assert sdp.count("a=end-of-candidates") == sdp.count("\nm=")
    await b.setRemoteDescription(a.localDescription)
    answer = await b.createAnswer()
    assert "a=candidate" not in answer.sdp
    await b.setLocalDescription(answer)
    assert "a=candidate:" in b.localDescription.sdp
    await a.setRemoteDescription(b.localDescription)
    await wait_for(lambda: a.connectionState == "connected")
    assert events == []


async def test_state_vocabularies_and_sequences(closing):
    a, b = make_pair(closing)
    seen = {"ice": [], "conn": [], "gather": [], "signaling": []}
    a.on("iceconnectionstatechange", lambda: seen["ice"].append(a.iceConnectionState))
    a.on("connectionstatechange", lambda: seen["conn"].append(a.connectionState))
    a.on("icegatheringstatechange", lambda: seen["gather"].append(a.iceGatheringState))
    a.on("signalingstatechange", lambda: seen["signaling"].append(a.signalingState))
    a.createDataChannel("x")
    await connect_full(a, b)
    await wait_for(lambda: a.iceConnectionState == "completed" and a.connectionState == "connected")
    await a.close()
    assert seen["ice"] == ["checking", "completed", "closed"]
    assert seen["conn"] == ["connecting", "connected", "closed"]
    assert seen["gather"] == ["gathering", "complete"]
    assert seen["signaling"] == ["have-local-offer", "stable", "closed"]
    # close() drops every listener, as aiortc does.
    assert a.listeners("connectionstatechange") == []


async def test_remote_close_closes_the_connection(closing):
    a, b = make_pair(closing)
    channel = a.createDataChannel("x")
    await connect_full(a, b)
    await wait_for(lambda: channel.readyState == "open")
    states = []
    a.on("connectionstatechange", lambda: states.append(a.connectionState))
    await b.close()
    await wait_for(lambda: a.connectionState == "closed", what="auto close")
    assert states == ["closed"]
    assert channel.readyState == "closed"


async def test_remote_channel_arrives_open(closing):
    a, b = make_pair(closing)
    announced = []

    @b.on("datachannel")
    def on_datachannel(channel):
        announced.append((channel.readyState, channel.id))
        channel.on("open", lambda: announced.append("open event"))

    local = a.createDataChannel("chat")
    assert local.id is None and local.readyState == "connecting"
    with pytest.raises(compat.InvalidStateError):
        local.send("too early")
    await connect_full(a, b)
    await wait_for(lambda: announced and local.readyState == "open")
    await asyncio.sleep(0.05)
    assert announced == [("open", local.id)]
    assert local.id is not None
    assert local.transport is a.sctp and a.sctp is not None


async def test_empty_messages_survive(closing):
    a, b = make_pair(closing)
    received = []
    b.on("datachannel", lambda ch: ch.on("message", received.append))
    channel = a.createDataChannel("x")
    await connect_full(a, b)
    await wait_for(lambda: channel.readyState == "open")
    for message in ("", b"", "x", b"y"):
        channel.send(message)
    await wait_for(lambda: len(received) == 4)
    assert received == ["", b"", "x", b"y"]
    assert type(received[0]) is str and type(received[1]) is bytes


async def test_send_limits_and_types(closing):
    a, b = make_pair(closing)
    channel = a.createDataChannel("x")
    await connect_full(a, b)
    await wait_for(lambda: channel.readyState == "open")
    assert a.sctp.maxMessageSize == 262144
    channel.send(bytes(262144))
    with pytest.raises(ValueError, match="Cannot send message of 262145 bytes"):
        channel.send(bytes(262145))
    with pytest.raises(ValueError, match="Cannot send message of"):
        channel.send("é" * 140000)
    for bad in (bytearray(b"x"), memoryview(b"x"), 1, None, ["x"]):
        with pytest.raises(ValueError, match="Cannot send unsupported data type"):
            channel.send(bad)


async def test_add_ice_candidate_semantics(closing):
    a, b = make_pair(closing)
    channel = a.createDataChannel("x")
    await a.setLocalDescription(await a.createOffer())
    sdp_lines = a.localDescription.sdp.splitlines()
    lines = [line[len("a=candidate:"):] for line in sdp_lines if line.startswith("a=candidate:")]
    # Offer without candidates; they are trickled to b before its remote description.
    stripped = compat.RTCSessionDescription(
        sdp="".join(
            line + "\r\n"
            for line in sdp_lines
            if not line.startswith("a=candidate") and line != "a=end-of-candidates"
        ),
        type="offer",
    )
    for line in lines:
        candidate = candidate_from_sdp(line)
        candidate.sdpMid = "0"
        await b.addIceCandidate(candidate)
    unknown = candidate_from_sdp(lines[0])
    unknown.sdpMid = "no-such-mid"
    await b.addIceCandidate(unknown)  # ignored, as aiortc does
    await b.addIceCandidate(None)
    with pytest.raises(ValueError, match="sdpMid or sdpMLineIndex"):
        await b.addIceCandidate(candidate_from_sdp(lines[0]))
    await b.setRemoteDescription(stripped)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    await wait_for(lambda: channel.readyState == "open")
    await b.addIceCandidate(unknown)  # still ignored after the remote description


async def test_ice_transport_policy_forms(closing):
    for policy in ("all", compat.RTCIceTransportPolicy.ALL):
        pc = compat.RTCPeerConnection(configuration(compat, iceTransportPolicy=policy))
        closing(pc)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pc = compat.RTCPeerConnection(configuration(compat, iceTransportPolicy="relay"))
        closing(pc)
        pc2 = compat.RTCPeerConnection(configuration(compat, iceTransportPolicy=compat.RTCIceTransportPolicy.RELAY))
        closing(pc2)
    assert len(caught) == 2 and "no TURN server" in str(caught[0].message)
    pc.createDataChannel("x")
    await pc.setLocalDescription(await pc.createOffer())
    assert "a=candidate" not in pc.localDescription.sdp  # relay is enforced
    with pytest.raises(ValueError, match="iceTransportPolicy must be one of 'all', 'relay'"):
        compat.RTCPeerConnection(configuration(compat, iceTransportPolicy="sometimes"))


async def test_create_data_channel_errors(closing):
    (a, _) = make_pair(closing)
    with pytest.raises(ValueError, match="Cannot specify both maxPacketLifeTime and maxRetransmits"):
        a.createDataChannel("x", maxPacketLifeTime=1, maxRetransmits=1)
    with pytest.raises(ValueError, match="ID must be in range 0-65534"):
        a.createDataChannel("x", negotiated=True)
    with pytest.raises(ValueError, match="ID must be in range 0-65534"):
        a.createDataChannel("x", negotiated=True, id=65535)
    parameters = compat.RTCDataChannelParameters(label="p", ordered=False, maxRetransmits=2)
    channel = a.createDataChannel(parameters.label, ordered=parameters.ordered, maxRetransmits=parameters.maxRetransmits)
    assert (channel.label, channel.ordered, channel.maxRetransmits) == ("p", False, 2)


async def test_create_answer_in_stable_state(closing):
    (a, _) = make_pair(closing)
    with pytest.raises(compat.InvalidStateError, match='Cannot create answer in signaling state "stable"'):
        await a.createAnswer()


def test_candidate_helpers_round_trip():
    text = "842163049 1 udp 1677729535 1.2.3.4 52910 typ srflx raddr 10.0.0.1 rport 52910 generation 0"
    candidate = candidate_from_sdp(text)
    assert (candidate.foundation, candidate.component, candidate.protocol) == ("842163049", 1, "udp")
    assert (candidate.ip, candidate.port, candidate.type) == ("1.2.3.4", 52910, "srflx")
    assert (candidate.relatedAddress, candidate.relatedPort) == ("10.0.0.1", 52910)
    assert candidate.sdpMid is None and candidate.sdpMLineIndex is None
    assert candidate_to_sdp(candidate) == text.rsplit(" generation", 1)[0]
    tcp = candidate_from_sdp("1 1 tcp 1 127.0.0.1 9 typ host tcptype active")
    assert candidate_to_sdp(tcp).endswith("tcptype active")


def test_session_description_validation():
    with pytest.raises(ValueError, match="'type' must be in"):
        compat.RTCSessionDescription(sdp="", type="bogus")
    assert compat.RTCSessionDescription(sdp="x", type="offer") == compat.RTCSessionDescription(sdp="x", type="offer")


class RecordingCandidateErrors(compat.RTCPeerConnection):
    """Keeps the icecandidateerror events the compat layer does not emit (as aiortc)."""

    def __init__(self, *args):
        self.candidate_errors = []
        super().__init__(*args)

    def emit(self, event, *args, **kwargs):
        if event == "icecandidateerror":
            self.candidate_errors.append(args[0])
        return super().emit(event, *args, **kwargs)


async def test_default_ice_servers_is_google_stun():
    pc = RecordingCandidateErrors()
    # No network in the test namespace: the lookup of the default STUN server fails (which
    # names the server asked), and gathering still completes.
    pc.createDataChannel("x")
    await asyncio.wait_for(pc.setLocalDescription(await pc.createOffer()), 20)
    assert pc.iceGatheringState == "complete"
    assert {e["url"] for e in pc.candidate_errors} == {"stun:stun.l.google.com:19302"}
    await pc.close()
    explicit = RecordingCandidateErrors(configuration(compat))
    explicit.createDataChannel("x")
    await explicit.setLocalDescription(await explicit.createOffer())
    assert explicit.candidate_errors == []  # iceServers=[]: no server at all
    await explicit.close()


async def test_peer_advertising_a_small_max_message_size(closing, monkeypatch):
    import aiortc
    import aiortc.rtcsctptransport

    # aiortc advertises its LOCAL_MAX_MESSAGE_SIZE in a=max-message-size.
    monkeypatch.setattr(aiortc.rtcsctptransport, "LOCAL_MAX_MESSAGE_SIZE", 1000)
    theirs = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(theirs)
    ours = compat.RTCPeerConnection(configuration(compat))
    closing(ours)
    received = []
    theirs.on("datachannel", lambda channel: channel.on("message", received.append))
    channel = ours.createDataChannel("small")
    await connect_full(ours, theirs)
    assert "a=max-message-size:1000" in theirs.localDescription.sdp
    await wait_for(lambda: channel.readyState == "open", timeout=20)
    with pytest.raises(ValueError, match="Cannot send message of 1001 bytes"):
        channel.send(bytes(1001))
    with pytest.raises(ValueError, match="Cannot send message of 1002 bytes"):
        channel.send("é" * 501)
    channel.send(bytes(1000))
    channel.send("é" * 500)
    await wait_for(lambda: len(received) == 2, timeout=10)
    assert received == [bytes(1000), "é" * 500]
    assert ours.sctp.maxMessageSize == 1000


async def test_signalingstatechange_on_every_set(closing):
    a, b = make_pair(closing)
    seen = []
    b.on("signalingstatechange", lambda: seen.append(b.signalingState))
    a.createDataChannel("x")
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setRemoteDescription(a.localDescription)  # same state again: still emitted
    await b.setLocalDescription(await b.createAnswer())
    assert seen == ["have-remote-offer", "have-remote-offer", "stable"]


async def test_get_stats_aiortc_shape(closing):
    import datetime

    a, b = make_pair(closing)
    channel = a.createDataChannel("x")
    await connect_full(a, b)
    await wait_for(lambda: channel.readyState == "open")
    report = await a.getStats()
    transports = [s for s in report.values() if s.type == "transport"]
    assert transports and transports[0].bytesSent > 0
    assert isinstance(transports[0].timestamp, datetime.datetime)
    await a.close()
    assert await a.getStats() == {}  # aiortc's getStats works after close
