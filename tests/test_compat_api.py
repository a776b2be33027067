"""webrtc.aiortc_compat against aiortc 1.16 itself: every public name with the same
signatures, the module tree, and the objects a connection shows (transports, certificates,
stats, sources) filled from libwebrtc over a real connection to aiortc."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import enum
import importlib
import inspect
import re

import aiortc
import pytest

from webrtc import aiortc_compat as compat
from conftest import configuration, connect_full, wait_for
from send_sources import quadrant_track, tone_track

# Objects a peer connection makes and owns: aiortc's constructors (ORTC, taking aiortc's
# own transport objects or cryptography keys) have no meaning for libwebrtc's.
CONNECTION_OWNED = {
    "RTCCertificate", "RTCDataChannel", "RTCDtlsTransport", "RTCIceGatherer",
    "RTCIceTransport", "RTCRtpReceiver", "RTCRtpSender", "RTCRtpTransceiver",
    "RTCSctpTransport",
}

# The submodules aiortc users import from (aiortc-notes 2.1).
SUBMODULES = [
    "exceptions", "mediastreams", "events", "sdp", "stats", "rtcrtpsender", "rtcrtpreceiver",
    "rtcrtptransceiver", "rtcrtpparameters", "rtcicetransport", "rtcdtlstransport",
    "rtcsctptransport", "rtcconfiguration", "rtcsessiondescription", "rtcdatachannel",
    "rtcpeerconnection",
]


def parameters(function) -> list[tuple]:
    """Names, kinds and defaults (enum defaults by value); annotations name other modules."""
    return [
        (p.name, p.kind, p.default.value if isinstance(p.default, enum.Enum) else p.default)
        for p in inspect.signature(function).parameters.values()
    ]


def aiortc_members(cls) -> dict:
    """The public members aiortc's own classes define (not pyee's or object's)."""
    members = {}
    for base in reversed(cls.__mro__):
        if base.__module__.startswith("aiortc"):
            members.update({k: v for k, v in vars(base).items() if not k.startswith("_")})
    return members


def test_every_name_of_aiortc_all_with_its_signature():
    assert sorted(compat.__all__) == sorted(aiortc.__all__)
    assert compat.__version__ == aiortc.__version__ == "1.16.0"
    problems = []
    for name in aiortc.__all__:
        theirs, ours = getattr(aiortc, name), getattr(compat, name)
        assert inspect.isclass(ours) == inspect.isclass(theirs), name
        if not inspect.isclass(theirs):
            continue
        if issubclass(theirs, enum.Enum):
            assert {m.name: m.value for m in theirs} == {m.name: m.value for m in ours}, name
            continue
        if issubclass(theirs, Exception):
            assert issubclass(ours, Exception), name
            continue
        if dataclasses.is_dataclass(theirs):
            assert dataclasses.is_dataclass(ours), name
        if issubclass(theirs, dict):  # RTCStatsReport: dict's constructor
            assert issubclass(ours, dict), name
        elif name not in CONNECTION_OWNED and parameters(theirs) != parameters(ours):
            problems.append(f"{name}(): {parameters(theirs)} != {parameters(ours)}")
        for member, value in aiortc_members(theirs).items():
            if not hasattr(ours, member):
                problems.append(f"{name}.{member} is missing")
                continue
            our_value = inspect.getattr_static(ours, member)
            if isinstance(value, property):
                if not isinstance(our_value, property):
                    problems.append(f"{name}.{member} is not a property")
                elif (value.fset is None) != (our_value.fset is None):
                    problems.append(f"{name}.{member}: settable differs")
            elif callable(value) and not inspect.isclass(value):
                their_function, our_function = getattr(theirs, member), getattr(ours, member)
                if parameters(their_function) != parameters(our_function):
                    problems.append(f"{name}.{member}(): {parameters(their_function)} != "
                                    f"{parameters(our_function)}")
                if (inspect.iscoroutinefunction(their_function)
                        != inspect.iscoroutinefunction(our_function)):
                    problems.append(f"{name}.{member}: async differs")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("submodule", SUBMODULES)
def test_submodule_has_the_classes_aiortc_users_import(submodule):
    theirs = importlib.import_module(f"aiortc.{submodule}")
    ours = importlib.import_module(f"webrtc.aiortc_compat.{submodule}")
    # The classes the submodule defines (what it imports from its siblings is incidental).
    public = {
        name for name, value in vars(theirs).items()
        if not name.startswith("_") and inspect.isclass(value)
        and value.__module__ == theirs.__name__
    }
    internal = INTERNAL_CLASSES.get(submodule, set())
    missing = sorted(name for name in public - internal if not hasattr(ours, name))
    assert not missing, f"webrtc.aiortc_compat.{submodule} lacks {missing}"


# Classes of aiortc's submodules that are its engine, not its API: codecs, RTP and SCTP
# machinery, sender/receiver internals. No libwebrtc binding has them.
INTERNAL_CLASSES = {
    "mediastreams": set(),
    "rtcdtlstransport": {"RtpRouter", "SRTPProtectionProfile", "State", "DataReceiver",
                         "RtpReceiver", "RtpSender"},
    "rtcrtpreceiver": {"JitterBuffer", "NackGenerator", "StreamStatistics", "TimestampMapper",
                       "RTCEncodedFrame", "RTCRtpReceiverStats"},
    "rtcrtpsender": {"RTCEncodedFrame"},
    "rtcsctptransport": {
        "AbortChunk", "BaseParamsChunk", "Chunk", "CookieAckChunk", "CookieEchoChunk",
        "DataChunk", "ErrorChunk", "ForwardTsnChunk", "HeartbeatAckChunk", "HeartbeatChunk",
        "InboundStream", "InitAckChunk", "InitChunk", "ReconfigChunk", "SackChunk",
        "ShutdownAckChunk", "ShutdownChunk", "ShutdownCompleteChunk", "StreamAddOutgoingParam",
        "StreamResetOutgoingParam", "StreamResetResponseParam", "RTCSctpTransportStats",
        "BaseInitChunk",
    },
    "rtcpeerconnection": set(),
    "sdp": set(),
}


# ---- a real connection to aiortc ----


async def connected_to_aiortc(closing, offer_from_ours: bool):
    """Ours (compat) sends video and audio and opens a channel; aiortc sends video back."""
    ours = compat.RTCPeerConnection(configuration(compat))
    theirs = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(ours)
    closing(theirs)
    ours.addTrack(quadrant_track(compat, 320, 240))
    ours.addTrack(tone_track(compat, 440))
    theirs.addTrack(aiortc.VideoStreamTrack())
    channel = ours.createDataChannel("chat")
    if offer_from_ours:
        await connect_full(ours, theirs)
    else:
        theirs_channel = theirs.createDataChannel("back")
        await connect_full(theirs, ours)
        del theirs_channel
    await wait_for(lambda: ours.connectionState == "connected", 10, "connected")
    await wait_for(lambda: channel.readyState == "open", 10, "channel open")
    return ours, theirs


@pytest.mark.parametrize("offer_from_ours", [True, False], ids=["we-offer", "we-answer"])
async def test_transports_seen_from_the_connection(closing, offer_from_ours):
    ours, theirs = await connected_to_aiortc(closing, offer_from_ours)
    sender = ours.getSenders()[0]
    dtls = sender.transport
    assert isinstance(dtls, compat.RTCDtlsTransport)
    # One bundled transport: every sender, receiver and the SCTP association share it.
    assert all(s.transport is dtls for s in ours.getSenders())
    assert all(r.transport is dtls for r in ours.getReceivers())
    assert isinstance(ours.sctp, compat.RTCSctpTransport)
    assert ours.sctp.transport is dtls
    assert dtls.state == "connected"
    ice = dtls.transport
    assert isinstance(ice, compat.RTCIceTransport)
    assert ice.state == "completed"
    assert ice.role == ("controlling" if offer_from_ours else "controlled")
    assert ice.iceGatherer.state == "completed"

    # What we advertised is what aiortc received.
    remote_sdp = theirs.remoteDescription.sdp
    parameters = ice.iceGatherer.getLocalParameters()
    assert isinstance(parameters, compat.RTCIceParameters)
    assert f"a=ice-ufrag:{parameters.usernameFragment}" in remote_sdp
    assert f"a=ice-pwd:{parameters.password}" in remote_sdp
    candidates = ice.iceGatherer.getLocalCandidates()
    assert candidates and all(isinstance(c, compat.RTCIceCandidate) for c in candidates)
    for candidate in candidates:
        assert f" {candidate.ip} {candidate.port} typ {candidate.type}" in remote_sdp
    # And what aiortc offered is what we list as remote.
    their_parameters = theirs.getTransceivers()[0].sender.transport.transport.iceGatherer
    their_ports = {c.port for c in their_parameters.getLocalCandidates()}
    assert their_ports & {c.port for c in ice.getRemoteCandidates()}

    fingerprints = dtls.getLocalParameters().fingerprints
    assert [f.algorithm for f in fingerprints] == ["sha-256"]
    assert f"a=fingerprint:sha-256 {fingerprints[0].value}" in remote_sdp
    their_role = theirs.getTransceivers()[0].sender.transport._role
    expected_role = {"client": "server", "server": "client"}[their_role]
    assert dtls.getLocalParameters().role == expected_role
    assert ours.sctp.is_server == (expected_role == "server")
    assert ours.sctp.port == 5000
    assert ours.sctp.mid is not None and f"a=mid:{ours.sctp.mid}" in remote_sdp
    assert compat.RTCSctpTransport.getCapabilities() == compat.RTCSctpCapabilities(262144)

    # A remote candidate added on the transport reaches ICE (and the remote list).
    extra = compat.RTCIceCandidate(component=1, foundation="9", ip="127.0.0.1", port=9,
                                   priority=1, protocol="udp", type="host")
    await ice.addRemoteCandidate(extra)
    assert any(c.port == 9 and c.foundation == "9" for c in ice.getRemoteCandidates())
    await ice.addRemoteCandidate(None)  # end of candidates
    with pytest.raises(TypeError):
        await ice.addRemoteCandidate("candidate:1 1 udp 1 127.0.0.1 9 typ host")
    for bad in (dict(port=-1), dict(port=70000), dict(ip="no such address"),
                dict(type="bogus"), dict(protocol="sctp")):
        fields = dict(component=1, foundation="9", ip="127.0.0.1", port=9, priority=1,
                      protocol="udp", type="host") | bad
        with pytest.raises(ValueError):
            await ice.addRemoteCandidate(compat.RTCIceCandidate(**fields))
    assert ours.connectionState == "connected"

    # ORTC's hand-driving calls: the connection owns the transports.
    with pytest.raises(compat.InvalidStateError):
        await dtls.stop()
    with pytest.raises(compat.InvalidStateError):
        await ice.start(parameters)
    with pytest.raises(compat.InvalidStateError):
        await ours.sctp.stop()

    # Closing: both transports report it, with statechange events.
    changes = []
    dtls.on("statechange", lambda: changes.append(("dtls", dtls.state)))
    ice.on("statechange", lambda: changes.append(("ice", ice.state)))
    await ours.close()
    assert ("dtls", "closed") in changes and ("ice", "closed") in changes
    assert dtls.state == ice.state == "closed"


async def test_transport_state_changes_are_events(closing):
    ours = compat.RTCPeerConnection(configuration(compat))
    theirs = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(ours)
    closing(theirs)
    ours.createDataChannel("chat")
    dtls = ours.sctp.transport
    assert dtls.state == "new" and dtls.transport.state == "new"
    seen = {"dtls": [], "ice": [], "gatherer": []}
    dtls.on("statechange", lambda: seen["dtls"].append(dtls.state))
    dtls.transport.on("statechange", lambda: seen["ice"].append(dtls.transport.state))
    gatherer = dtls.transport.iceGatherer
    gatherer.on("statechange", lambda: seen["gatherer"].append(gatherer.state))
    await connect_full(ours, theirs)
    await wait_for(lambda: dtls.state == "connected", 10, "dtls connected")
    assert seen["dtls"] == ["connecting", "connected"]
    assert seen["ice"][0] == "checking" and seen["ice"][-1] == "completed"
    assert seen["gatherer"] == ["gathering", "completed"]


async def test_synchronization_sources_are_the_senders_ssrcs(closing):
    ours, theirs = await connected_to_aiortc(closing, offer_from_ours=True)
    video_receiver = next(r for r in ours.getReceivers() if r.kind == "video")
    track = video_receiver.track
    await asyncio.wait_for(track.recv(), 10)
    sources = video_receiver.getSynchronizationSources()
    their_ssrc = next(s for s in theirs.getSenders() if s.kind == "video")._ssrc
    assert [s.source for s in sources] == [their_ssrc]
    age = datetime.datetime.now(datetime.timezone.utc) - sources[0].timestamp
    assert datetime.timedelta(0) <= age < datetime.timedelta(seconds=2)
    assert isinstance(sources[0], compat.RTCRtpSynchronizationSource)
    # Audio: nothing comes from aiortc, so no sources.
    audio_receiver = next(r for r in ours.getReceivers() if r.kind == "audio")
    assert audio_receiver.getSynchronizationSources() == []


async def test_stats_are_aiortc_dataclasses_filled_by_libwebrtc(closing):
    ours, theirs = await connected_to_aiortc(closing, offer_from_ours=True)
    video_sender = next(s for s in ours.getSenders() if s.kind == "video")
    stats = None
    for _ in range(50):  # RTCP reports come within a few seconds
        report = await ours.getStats()
        types = {type(s) for s in report.values()}
        if compat.RTCRemoteInboundRtpStreamStats in types and compat.RTCInboundRtpStreamStats in types:
            stats = report
            break
        await asyncio.sleep(0.2)
    assert stats is not None, "no RTCP-based stats after 10 s"
    assert isinstance(stats, compat.RTCStatsReport)
    outbound = [s for s in stats.values() if isinstance(s, compat.RTCOutboundRtpStreamStats)]
    assert {s.kind for s in outbound} == {"audio", "video"}
    video_out = next(s for s in outbound if s.kind == "video")
    assert video_out.type == "outbound-rtp" and video_out.packetsSent > 0 and video_out.bytesSent > 0
    assert video_out.trackId == video_sender.track.id
    assert isinstance(video_out.timestamp, datetime.datetime)
    assert video_out.frameWidth == 320  # libwebrtc's extra members stay readable
    inbound = next(s for s in stats.values()
                   if isinstance(s, compat.RTCInboundRtpStreamStats) and s.kind == "video")
    assert inbound.packetsReceived > 0 and inbound.packetsLost >= 0
    transport = next(s for s in stats.values() if isinstance(s, compat.RTCTransportStats))
    assert transport.dtlsState == "connected"
    assert transport.bytesSent > 0 and transport.packetsSent > 0 and transport.packetsReceived > 0
    remote_inbound = next(
        s for s in stats.values() if isinstance(s, compat.RTCRemoteInboundRtpStreamStats))
    assert remote_inbound.roundTripTime is None or 0 <= remote_inbound.roundTripTime < 1
    # Sender and receiver reports are the same kinds of objects.
    sender_report = await video_sender.getStats()
    assert any(isinstance(s, compat.RTCOutboundRtpStreamStats) for s in sender_report.values())
    receiver_report = await ours.getReceivers()[0].getStats()
    assert isinstance(receiver_report, compat.RTCStatsReport)


def test_generated_certificate_is_a_real_p256_certificate():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    certificate = compat.RTCCertificate.generateCertificate()
    other = compat.RTCCertificate.generateCertificate()
    fingerprints = certificate.getFingerprints()
    assert [f.algorithm for f in fingerprints] == ["sha-256", "sha-384", "sha-512"]
    assert all(isinstance(f, compat.RTCDtlsFingerprint) for f in fingerprints)
    # The digests are those of the certificate itself (read independently by cryptography).
    _, pem = certificate._native.to_pem()
    parsed = x509.load_pem_x509_certificate(pem.encode())
    assert isinstance(parsed.public_key(), ec.EllipticCurvePublicKey)
    assert parsed.public_key().curve.name == "secp256r1"
    for fingerprint, digest in zip(fingerprints, (hashes.SHA256(), hashes.SHA384(), hashes.SHA512()),
                                   strict=True):
        assert re.fullmatch(r"([0-9A-F]{2}:)+[0-9A-F]{2}", fingerprint.value)
        assert fingerprint.value == ":".join(f"{b:02X}" for b in parsed.fingerprint(digest))
    assert fingerprints[0] != other.getFingerprints()[0]
    lifetime = certificate.expires - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(days=29) < lifetime <= datetime.timedelta(days=30, minutes=1)
    assert abs(certificate.expires - parsed.not_valid_after_utc) < datetime.timedelta(seconds=2)


def test_parameter_dataclasses_behave_as_aiortc():
    for name in ("RTCRtpCodecParameters",):
        theirs = getattr(aiortc, name)("audio/opus", 48000, 2, payloadType=111)
        ours = getattr(compat, name)("audio/opus", 48000, 2, payloadType=111)
        assert str(ours) == str(theirs) == "opus/48000/2"
        assert ours.name == theirs.name == "opus"
        assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)
    assert dataclasses.asdict(compat.RTCRtpParameters()) == dataclasses.asdict(aiortc.RTCRtpParameters())
    from webrtc.aiortc_compat.rtcrtpparameters import RTCRtpSendParameters
    from aiortc.rtcrtpparameters import RTCRtpSendParameters as TheirSendParameters
    assert dataclasses.asdict(RTCRtpSendParameters()) == dataclasses.asdict(TheirSendParameters())
    from webrtc.aiortc_compat.events import RTCTrackEvent
    assert [f.name for f in dataclasses.fields(RTCTrackEvent)] == [
        f.name for f in dataclasses.fields(aiortc.events.RTCTrackEvent)]
