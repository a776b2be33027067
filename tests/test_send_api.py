"""The sending API (senders, transceivers, capabilities, parameters) and bad input to it:
tracks that fail, hang, return the wrong thing or stop; each handled as aiortc does or with
a clear error, and the connection stays up. Peers: ours and aiortc, over loopback."""

from __future__ import annotations

import asyncio
import logging

import av
import numpy as np
import pytest

import webrtc
from webrtc import aiortc_compat as compat
from conftest import configuration, connect_full, connect_trickle, peer_pair, wait_for
from send_sources import quadrant_track, tone_track
from test_send_aiortc import assert_quadrants, send_to_aiortc

LAYERS = [pytest.param(webrtc, id="w3c"), pytest.param(compat, id="compat")]


class ReturningTrack(compat.MediaStreamTrack):
    """recv() returns what `make()` gives, 30 times a second."""

    def __init__(self, kind: str, make) -> None:
        super().__init__()
        self.kind = kind
        self._make = make
        self.calls = 0

    async def recv(self):
        self.calls += 1
        await asyncio.sleep(1 / 30)
        return self._make(self.calls)


async def frames_arrive(remote, count: int = 3, timeout: float = 10):
    return [await asyncio.wait_for(remote.recv(), timeout) for _ in range(count)]



# ---- what a sender is and does ----


@pytest.mark.parametrize("module", LAYERS)
async def test_add_track_returns_its_sender(closing, module):
    pc = module.RTCPeerConnection(configuration(module))
    closing(pc)
    track = quadrant_track(module)
    sender = pc.addTrack(track)
    assert isinstance(sender, module.RTCRtpSender)
    assert sender.track is track and sender.kind == "video"
    (transceiver,) = pc.getTransceivers()
    assert transceiver.sender is sender and transceiver.direction == "sendrecv"
    assert pc.getSenders() == [sender]
    offer = await pc.createOffer()
    assert "m=video" in offer.sdp and "msid:" in offer.sdp and track.id in offer.sdp


@pytest.mark.parametrize("module", LAYERS)
async def test_add_track_twice_is_refused(closing, module):
    pc = module.RTCPeerConnection(configuration(module))
    closing(pc)
    track = quadrant_track(module)
    pc.addTrack(track)
    with pytest.raises(module.InvalidAccessError, match="Track already has a sender"):
        pc.addTrack(track)


async def test_add_track_bad_kind_compat(closing):
    pc = compat.RTCPeerConnection(configuration(compat))
    closing(pc)

    class Odd(compat.MediaStreamTrack):
        kind = "data"

        async def recv(self):
            return None

    with pytest.raises(compat.exceptions.InternalError, match='Invalid track kind "data"'):
        pc.addTrack(Odd())
    with pytest.raises(compat.exceptions.InternalError, match='Invalid track kind "data"'):
        pc.addTransceiver(Odd())
    await pc.close()
    with pytest.raises(compat.InvalidStateError):
        pc.addTrack(compat.AudioStreamTrack())


async def test_add_track_bad_kind_w3c(closing):
    pc = webrtc.RTCPeerConnection(configuration(webrtc))
    closing(pc)
    with pytest.raises(TypeError, match="kind 'audio' or 'video'"):
        pc.addTrack("video")
    with pytest.raises(TypeError, match="kind 'audio' or 'video'"):
        pc.addTrack(object())


async def test_compat_add_track_reuses_a_receiving_transceiver(closing):
    """aiortc's rule: the first transceiver of the kind with no track takes it, and its
    direction gains send."""
    pc = compat.RTCPeerConnection(configuration(compat))
    closing(pc)
    receiving = pc.addTransceiver("audio", direction="recvonly")
    sender = pc.addTrack(compat.AudioStreamTrack())
    assert pc.getTransceivers() == [receiving]
    assert receiving.sender is sender and receiving.direction == "sendrecv"


async def test_w3c_add_track_fires_negotiationneeded(closing):
    pc = webrtc.RTCPeerConnection(configuration(webrtc))
    closing(pc)
    fired = asyncio.Event()
    pc.on("negotiationneeded", fired.set)
    pc.addTrack(quadrant_track(webrtc))
    await asyncio.wait_for(fired.wait(), 5)


@pytest.mark.parametrize("module", LAYERS)
async def test_add_transceiver_with_track_and_direction(closing, module):
    pc = module.RTCPeerConnection(configuration(module))
    closing(pc)
    track = tone_track(module)
    if module is compat:
        transceiver = pc.addTransceiver(track, direction="sendonly")
    else:
        transceiver = pc.addTransceiver(track, {"direction": "sendonly", "streams": ["s1"]})
    assert transceiver.sender.track is track and transceiver.direction == "sendonly"
    offer = await pc.createOffer()
    assert "a=sendonly" in offer.sdp


@pytest.mark.parametrize("module", LAYERS)
async def test_replace_track_none_then_a_new_track(closing, module):
    first = quadrant_track(module, 320, 240)
    ours, theirs, received = await send_to_aiortc(module, closing, first)
    remote = received["video"]
    await frames_arrive(remote)
    (sender,) = ours.getSenders()
    result = sender.replaceTrack(None)
    if module is webrtc:
        await result
    else:
        assert result is None  # synchronous in aiortc
    assert sender.track is None
    assert first.readyState == "live"  # replacing does not end the old track

    async def silent_for(seconds: float) -> bool:
        try:
            while True:
                await asyncio.wait_for(remote.recv(), seconds)
        except asyncio.TimeoutError:
            return True

    assert await asyncio.wait_for(silent_for(1.0), 10)  # nothing more arrives
    second = quadrant_track(module, 640, 480)
    result = sender.replaceTrack(second)
    if module is webrtc:
        await result
    frames = await frames_arrive(remote, 5)
    if module is compat:  # the W3C layer lets libwebrtc start small and scale up
        assert (frames[-1].width, frames[-1].height) == (640, 480)
    assert_quadrants(frames[-1].to_ndarray(format="rgb24"))


@pytest.mark.parametrize("module", LAYERS)
async def test_replace_track_of_another_kind_is_refused(closing, module):
    pc = module.RTCPeerConnection(configuration(module))
    closing(pc)
    sender = pc.addTrack(quadrant_track(module))
    with pytest.raises(TypeError, match="cannot replace a video track with a audio track"):
        result = sender.replaceTrack(tone_track(module))
        if module is webrtc:
            await result


async def test_remove_track(closing):
    a, b = peer_pair(webrtc, closing)
    sender = a.addTrack(quadrant_track(webrtc))
    await connect_trickle(a, b)
    a.removeTrack(sender)
    assert sender.track is None
    offer = await a.createOffer()
    assert "a=recvonly" in offer.sdp or "a=inactive" in offer.sdp
    other = webrtc.RTCPeerConnection(configuration(webrtc))
    closing(other)
    foreign = other.addTrack(quadrant_track(webrtc))
    with pytest.raises(webrtc.InvalidAccessError, match="does not belong"):
        a.removeTrack(foreign)
    with pytest.raises(TypeError, match="expects an RTCRtpSender"):
        a.removeTrack("sender")


@pytest.mark.parametrize("module", LAYERS)
async def test_capabilities(module):
    video = module.RTCRtpSender.getCapabilities("video")
    names = [codec.mimeType for codec in video.codecs]
    assert {"video/VP8", "video/VP9", "video/H264", "video/rtx"} <= set(names)
    audio = module.RTCRtpReceiver.getCapabilities("audio")
    assert {"audio/opus", "audio/PCMU", "audio/PCMA", "audio/G722"} <= {
        codec.mimeType for codec in audio.codecs}
    opus = next(c for c in audio.codecs if c.mimeType == "audio/opus")
    assert (opus.clockRate, opus.channels, opus.name) == (48000, 2, "opus")
    assert any("sdes:mid" in e.uri for e in video.headerExtensions)
    if module is compat:
        with pytest.raises(ValueError, match="cannot get capabilities for unknown media bogus"):
            module.RTCRtpSender.getCapabilities("bogus")
    else:
        assert module.RTCRtpSender.getCapabilities("bogus") is None


async def test_compat_codec_preferences_follow_aiortc_rules(closing):
    pc = compat.RTCPeerConnection(configuration(compat))
    closing(pc)
    transceiver = pc.addTransceiver("video")
    with pytest.raises(ValueError, match="Codec is not in capabilities"):
        transceiver.setCodecPreferences([compat.RTCRtpCodecCapability("video/bogus", 90000)])
    vp8 = next(c for c in compat.RTCRtpSender.getCapabilities("video").codecs
               if c.mimeType == "video/VP8")
    transceiver.setCodecPreferences([vp8, vp8])  # duplicates dropped
    offer = await pc.createOffer()
    video = offer.sdp.split("m=video ")[1].split("\r\n")[0].split()
    assert len(video) == 3  # port, proto, one payload type
    transceiver.setCodecPreferences([])  # the defaults again
    offer = await pc.createOffer()
    assert "H264" in offer.sdp


async def test_w3c_sender_parameters(closing):
    ours, theirs, received = await send_to_aiortc(webrtc, closing, quadrant_track(webrtc))
    (sender,) = ours.getSenders()
    parameters = sender.getParameters()
    assert len(parameters.encodings) == 1
    parameters.degradationPreference = "maintain-resolution"
    parameters.encodings[0].maxBitrate = 400_000
    parameters.encodings[0].maxFramerate = 15.0
    await sender.setParameters(parameters)
    again = sender.getParameters()
    assert again.degradationPreference == "maintain-resolution"
    assert again.encodings[0].maxBitrate == 400_000
    assert again.encodings[0].maxFramerate == 15.0
    parameters.degradationPreference = "sideways"
    with pytest.raises(TypeError, match="degradationPreference"):
        await sender.setParameters(parameters)
    with pytest.raises(TypeError, match="RTCRtpSendParameters"):
        await sender.setParameters({"encodings": []})
    parameters = sender.getParameters()
    parameters.encodings.append(webrtc.RTCRtpEncodingParameters())
    with pytest.raises(webrtc.InvalidModificationError):
        await sender.setParameters(parameters)


# ---- tracks that misbehave ----


async def assert_stopped_and_logged(track, caplog, message: str, ours) -> None:
    ended = asyncio.Event()
    if track.readyState == "live":
        track.on("ended", ended.set)
        await asyncio.wait_for(ended.wait(), 10)
    assert track.readyState == "ended"
    assert any(message in record.getMessage() or message in str(record.exc_info)
               for record in caplog.records), [r.getMessage() for r in caplog.records]
    assert ours.connectionState == "connected"


@pytest.mark.parametrize("returned,kind,message", [
    (lambda n: None, "video", "returned None"),
    (lambda n: "a frame", "video", "must return an av.VideoFrame"),
    (lambda n: av.AudioFrame(format="s16", layout="mono", samples=960), "video",
     "must return an av.VideoFrame"),
    (lambda n: av.VideoFrame(width=64, height=64), "audio", "must return an av.AudioFrame"),
    (lambda n: np.zeros((48, 64), np.uint8), "video", "a video array must be uint8"),
    (lambda n: np.zeros((48, 64, 3), np.float32), "video", "a video array must be uint8"),
    (lambda n: av.AudioFrame(format="s16", layout="mono", samples=960), "audio",
     "has no sample_rate"),
])
async def test_a_track_returning_bad_frames_is_stopped(closing, caplog, returned, kind,
                                                       message):
    caplog.set_level(logging.WARNING, logger="webrtc.rtcrtpsender")
    track = ReturningTrack(kind, returned)
    ours, theirs, received = await send_to_aiortc(compat, closing, track)
    await wait_for(lambda: ours.connectionState == "connected", what="connected")
    await assert_stopped_and_logged(track, caplog, message, ours)


async def test_a_track_that_raises_is_stopped_and_the_rest_goes_on(closing, caplog):
    caplog.set_level(logging.WARNING, logger="webrtc.rtcrtpsender")

    def fail(n):
        if n > 10:
            raise RuntimeError("the renderer crashed")
        return np.full((240, 320, 3), 200, np.uint8)

    failing = ReturningTrack("video", fail)
    ours, theirs, received = await send_to_aiortc(
        compat, closing, failing, tone_track(compat))
    await assert_stopped_and_logged(failing, caplog, "the renderer crashed", ours)
    # The audio track of the same connection keeps coming.
    frames = await frames_arrive(received["audio"], 20)
    assert len(frames) == 20


async def test_a_track_with_changing_frame_sizes(closing):
    sizes = [(320, 240), (641, 481), (160, 90), (1280, 720)]

    def make(n):
        width, height = sizes[(n // 10) % len(sizes)]
        return np.full((height, width, 3), 128, np.uint8)

    track = ReturningTrack("video", make)
    ours, theirs, received = await send_to_aiortc(compat, closing, track)
    seen = set()

    async def until_all_seen():
        while len(seen) < 3:
            frame = await received["video"].recv()
            seen.add((frame.width, frame.height))

    await asyncio.wait_for(until_all_seen(), 15)
    assert track.readyState == "live"


async def test_a_hanging_recv_does_not_hold_up_close(closing):
    never = asyncio.Event()

    class Hanging(compat.MediaStreamTrack):
        kind = "audio"

        async def recv(self):
            await never.wait()

    track = Hanging()
    ours, theirs, received = await send_to_aiortc(compat, closing, track)
    await wait_for(lambda: ours.connectionState == "connected", what="connected")
    await asyncio.sleep(0.1)
    await asyncio.wait_for(ours.close(), 5)
    assert track.readyState == "ended"  # aiortc stops a started sender's track on close


async def test_a_track_stopped_mid_call(closing):
    track = quadrant_track(compat, 320, 240)
    ours, theirs, received = await send_to_aiortc(compat, closing, track)
    remote = received["video"]
    await frames_arrive(remote)
    track.stop()
    (sender,) = ours.getSenders()
    await wait_for(lambda: not sender._pump or not sender._pump.running, what="the pump")
    assert ours.connectionState == "connected"


async def test_frames_go_no_faster_than_their_pts(closing):
    """A video track that never sleeps, with pts at 30 fps, is sent at 30 fps."""

    class Eager(compat.MediaStreamTrack):
        kind = "video"

        def __init__(self):
            super().__init__()
            self.pts = 0

        async def recv(self):
            frame = av.VideoFrame.from_ndarray(np.full((240, 320, 3), 90, np.uint8),
                                               format="rgb24")
            frame.pts, frame.time_base = self.pts, compat.mediastreams.VIDEO_TIME_BASE
            self.pts += 3000
            return frame

    track = Eager()
    ours, theirs, received = await send_to_aiortc(compat, closing, track)
    await frames_arrive(received["video"], 1)
    start_pts = track.pts
    started = asyncio.get_running_loop().time()
    await asyncio.sleep(2.0)
    elapsed = asyncio.get_running_loop().time() - started
    rate = (track.pts - start_pts) / 3000 / elapsed
    assert 25 < rate < 35, rate


async def test_sent_tracks_leave_nothing_behind(closing):
    import gc

    gc.collect()
    before = webrtc._native.live_local_tracks()
    ours, theirs, received = await send_to_aiortc(
        compat, closing, quadrant_track(compat, 320, 240), tone_track(compat))
    await frames_arrive(received["video"])
    assert webrtc._native.live_local_tracks() == before + 2
    await ours.close()
    await theirs.close()
    del ours, theirs, received

    async def released():
        while True:
            gc.collect()
            if webrtc._native.live_local_tracks() == before:
                return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(released(), 10)


async def test_compat_replace_track_on_a_fresh_sender_keeps_the_resolution(closing):
    """replaceTrack onto a sender that never had a track sets it up as addTrack does."""
    pc = compat.RTCPeerConnection(configuration(compat))
    closing(pc)
    transceiver = pc.addTransceiver("video")
    transceiver.sender.replaceTrack(quadrant_track(compat))
    assert transceiver.sender.getParameters().degradationPreference == "maintain-resolution"


async def test_compat_track_added_to_a_negotiated_transceiver_joins_the_stream(closing):
    """aiortc's addTrack reuses a transceiver that was already negotiated (recvonly); after
    the renegotiation, the remote side sees the track in the connection's one stream, as
    with every other compat track (its msid carries the stream id, not "-")."""
    w3c = webrtc.RTCPeerConnection(configuration(webrtc))
    ours = compat.RTCPeerConnection(configuration(compat))
    closing(w3c)
    closing(ours)
    w3c.addTransceiver("audio", {"direction": "sendrecv"})
    await connect_full(w3c, ours)
    (transceiver,) = ours.getTransceivers()
    assert transceiver.currentDirection == "recvonly"
    events = []
    w3c.on("track", events.append)
    sender = ours.addTrack(tone_track(compat, 440))
    assert sender is transceiver.sender  # aiortc's reuse rule
    await connect_full(ours, w3c)
    await wait_for(lambda: events, 10, "the track event")
    assert [stream.id for stream in events[0].streams] == [ours._stream_id]
    # The W3C sender can set its streams itself.
    w3c_sender = w3c.addTrack(tone_track(webrtc, 220))
    w3c_sender.setStreams("voice")
    seen = []
    ours.on("track", seen.append)
    await connect_full(w3c, ours)
    assert "msid:voice " in ours.remoteDescription.sdp
    with pytest.raises(TypeError):
        w3c_sender.setStreams(42)
