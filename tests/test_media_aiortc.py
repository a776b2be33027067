"""Receiving media sent by aiortc (an independent implementation): content, not just arrival.

aiortc encodes VP8, H.264 and Opus; VP9 comes from Chromium (tests/test_media_chromium.py),
as aiortc has no VP9 encoder."""

from __future__ import annotations

import asyncio
import gc
import time
from fractions import Fraction

import aiortc
import numpy as np
import pytest

import webrtc
from webrtc import aiortc_compat as compat
from conftest import configuration, connect_full, event_track, gather_complete, wait_for
from media_sources import (
    QUADRANTS,
    QuadrantTrack,
    ToneTrack,
    dominant_frequency,
    prefer_codec,
    quadrant_centers,
)

LAYERS = [pytest.param(webrtc, id="w3c"), pytest.param(compat, id="compat")]


async def receive_from_aiortc(module, closing, *tracks, video_codec=None, audio_codec=None):
    """aiortc offers `tracks`; a `module` connection answers. Returns (sender, receiver,
    {kind: remote track}) with the tracks as the `track` event gave them."""
    sender = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(sender)
    for track in tracks:
        sender.addTrack(track)
    if video_codec:
        prefer_codec(sender, "video", video_codec)
    if audio_codec:
        prefer_codec(sender, "audio", audio_codec)
    receiver = module.RTCPeerConnection(configuration(module))
    closing(receiver)
    received = {}

    def on_track(event):
        track = event_track(module, event)
        received[track.kind] = track

    receiver.on("track", on_track)
    await connect_full(sender, receiver)
    return sender, receiver, received


def assert_quadrants(rgb: np.ndarray, tolerance: int = 20) -> None:
    height, width = rgb.shape[:2]
    for (row, column), expected in zip(quadrant_centers(width, height), QUADRANTS, strict=True):
        got = rgb[row, column].astype(int)
        assert np.all(np.abs(got - expected) <= tolerance), (row, column, got, expected)


@pytest.mark.parametrize("module", LAYERS)
@pytest.mark.parametrize("codec", ["video/VP8", "video/H264"])
async def test_video_pattern_survives(closing, module, codec):
    sender, receiver, tracks = await receive_from_aiortc(
        module, closing, QuadrantTrack(320, 240), video_codec=codec
    )
    track = tracks["video"]
    first = await asyncio.wait_for(track.recv(), 10)
    assert first.pts == 0
    assert first.time_base == Fraction(1, 90000)
    frames = [first]
    for _ in range(15):
        frames.append(await asyncio.wait_for(track.recv(), 5))
    assert all(b.pts > a.pts for a, b in zip(frames, frames[1:], strict=False))
    frame = frames[-1]
    assert (frame.width, frame.height) == (320, 240)
    assert frame.format.name == "yuv420p"
    # The stream came in the codec asked for (aiortc offered only that one).
    stats = await receiver.getStats()
    entries = [s if isinstance(s, dict) else vars(s) for s in stats.values()]
    by_id = {s["id"]: s for s in entries}
    (inbound,) = [s for s in entries if s["type"] == "inbound-rtp" and s.get("kind") == "video"]
    assert by_id[inbound["codecId"]]["mimeType"] == codec

    rgb = frame.to_ndarray(format="rgb24")
    assert rgb.shape == (240, 320, 3) and rgb.dtype == np.uint8
    assert_quadrants(rgb)
    # The other layouts hold the same picture.
    assert np.array_equal(frame.to_ndarray(format="bgr24"), rgb[..., ::-1])
    rgba = frame.to_ndarray(format="rgba")
    assert rgba.shape == (240, 320, 4) and np.all(rgba[..., 3] == 255)
    assert np.abs(rgba[..., :3].astype(int) - rgb).max() <= 1
    bgra = frame.to_ndarray(format="bgra")
    assert np.array_equal(bgra[..., :3], rgba[..., 2::-1])
    yuv = frame.to_ndarray(format="yuv420p")
    assert yuv.shape == (360, 320)
    assert np.array_equal(frame.to_ndarray(), yuv)
    gray = frame.to_ndarray(format="gray")
    assert gray.shape == (240, 320)
    image = frame.to_image()
    assert image.mode == "RGB" and image.size == (320, 240)
    assert np.array_equal(np.asarray(image), rgba[..., :3])

    # PyAV agrees: the same planes, and its conversions match ours within rounding.
    av_frame = frame.to_av()
    assert (av_frame.width, av_frame.height, av_frame.pts) == (320, 240, frame.pts)
    assert np.array_equal(av_frame.to_ndarray(format="yuv420p"), yuv)
    assert np.abs(av_frame.to_ndarray(format="rgb24").astype(int) - rgb).max() <= 3
    assert np.abs(av_frame.to_ndarray(format="gray").astype(int) - gray).max() <= 1
    # Anything else av.VideoFrame has comes from that copy.
    assert len(frame.planes) == 3
    assert frame.reformat(width=160, height=120).width == 160
    assert frame.to_ndarray(format="rgb48le").shape == (240, 320, 3)


@pytest.mark.parametrize("module", LAYERS)
async def test_opus_tone_frequency(closing, module):
    sender, receiver, tracks = await receive_from_aiortc(module, closing, ToneTrack(440.0))
    track = tracks["audio"]
    frames = [await asyncio.wait_for(track.recv(), 10) for _ in range(100)]
    frame = frames[-1]
    assert frame.format.name == "s16"
    assert frame.sample_rate == 48000 and frame.samples == 960
    assert frame.time_base == Fraction(1, 48000)
    assert [f.pts for f in frames] == [frames[0].pts + 960 * i for i in range(100)]
    channels = 2 if frame.layout.name == "stereo" else 1
    if module is compat:
        assert frame.layout.name == "stereo"  # as aiortc delivers Opus, even from mono
    samples = np.concatenate([f.to_ndarray() for f in frames[-50:]], axis=1)
    assert samples.shape == (1, 50 * 960 * channels) and samples.dtype == np.int16
    mono = samples.reshape(-1, channels)[:, 0].astype(float)
    assert np.abs(mono).max() > 2000, "silence"
    assert abs(dominant_frequency(mono, 48000) - 440) < 5
    av_frame = frame.to_av()
    assert av_frame.sample_rate == 48000 and av_frame.samples == 960
    assert av_frame.layout.name == frame.layout.name
    assert np.array_equal(av_frame.to_ndarray(), frame.to_ndarray())


async def test_tone_frequency_g711(closing):
    _, _, tracks = await receive_from_aiortc(compat, closing, ToneTrack(1000.0, rate=8000),
                                             audio_codec="audio/PCMU")
    frames = [await asyncio.wait_for(tracks["audio"].recv(), 10) for _ in range(60)]
    frame = frames[-1]
    assert frame.sample_rate == 8000 and frame.samples == 160 and frame.layout.name == "mono"
    mono = np.concatenate([f.to_ndarray()[0] for f in frames[-50:]]).astype(float)
    assert abs(dominant_frequency(mono, 8000) - 1000) < 10


async def test_compat_track_event_fires_inside_set_remote_description(closing):
    sender = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(sender)
    video, audio = QuadrantTrack(), ToneTrack()
    sender.addTrack(video)
    sender.addTrack(audio)
    await sender.setLocalDescription(await sender.createOffer())
    receiver = compat.RTCPeerConnection(configuration(compat))
    closing(receiver)
    events = []
    receiver.on("track", events.append)
    await receiver.setRemoteDescription(sender.localDescription)
    # Before any answer: the tracks are announced by setRemoteDescription itself, once each.
    assert [t.kind for t in events] == ["video", "audio"]
    assert [t.id for t in events] == [video.id, audio.id]  # the sender's msid track ids
    assert all(t.readyState == "live" for t in events)
    assert [r.track for r in receiver.getReceivers()] == events
    assert [t.receiver.track for t in receiver.getTransceivers()] == events
    transceiver = receiver.getTransceivers()[0]
    assert (transceiver.kind, transceiver.mid, transceiver.direction) == ("video", "0", "recvonly")
    await receiver.setLocalDescription(await receiver.createAnswer())
    await sender.setRemoteDescription(receiver.localDescription)
    assert transceiver.currentDirection == "recvonly"
    assert len(events) == 2


async def test_w3c_track_event_carries_receiver_transceiver_streams(closing):
    sender = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(sender)
    video = QuadrantTrack()
    sender.addTrack(video)
    receiver = webrtc.RTCPeerConnection(configuration(webrtc))
    closing(receiver)
    events = []
    receiver.on("track", events.append)
    await connect_full(sender, receiver)
    (event,) = events
    assert isinstance(event, webrtc.RTCTrackEvent)
    assert event.track.kind == "video" and event.track.id == video.id
    assert event.receiver is event.transceiver.receiver
    assert event.receiver.track is event.track
    assert event.transceiver.mid == "0"
    assert len(event.streams) == 1 and event.streams[0].getTracks() == [event.track]
    assert event.streams[0].id in sender.localDescription.sdp
    frame = await asyncio.wait_for(event.track.recv(), 10)
    assert frame.width == 320


@pytest.mark.parametrize("module", LAYERS)
async def test_sender_hangs_up_mid_stream(closing, module):
    sender, receiver, tracks = await receive_from_aiortc(module, closing, QuadrantTrack(), ToneTrack())
    video, audio = tracks["video"], tracks["audio"]
    await asyncio.wait_for(video.recv(), 10)
    ended = []
    video.on("ended", lambda: ended.append("video"))
    audio.on("ended", lambda: ended.append("audio"))
    # A consumer already waiting when the sender goes must be woken, not left hanging.
    while video._native.take() is not None:
        pass
    waiting = asyncio.ensure_future(video.recv())
    await asyncio.sleep(0)
    await sender.close()
    with pytest.raises(webrtc.MediaStreamError):
        await asyncio.wait_for(waiting, 10) if not waiting.done() else waiting.result()
        # frames queued before the hang-up may still come; the track must end after them
        while True:
            await asyncio.wait_for(video.recv(), 10)
    await wait_for(lambda: video.readyState == "ended" and audio.readyState == "ended")
    assert sorted(ended) == ["audio", "video"]
    with pytest.raises(compat.MediaStreamError):
        await audio.recv()
    frames = [f async for f in video]
    assert frames == []


@pytest.mark.parametrize("module", LAYERS)
async def test_async_iteration_until_close(closing, module):
    sender, receiver, tracks = await receive_from_aiortc(module, closing, QuadrantTrack())
    track = tracks["video"]
    ended = []
    track.on("ended", lambda: ended.append(track.readyState))
    count = 0
    async for _frame in track:
        count += 1
        if count == 10:
            await receiver.close()
    assert count >= 10
    assert track.readyState == "ended"
    assert ended == ["ended"]  # the event, once, not only the state


async def test_cancelled_consumer_then_resumes(closing):
    sender, receiver, tracks = await receive_from_aiortc(compat, closing, QuadrantTrack())
    track = tracks["video"]
    await asyncio.wait_for(track.recv(), 10)
    for _ in range(20):
        task = asyncio.ensure_future(track.recv())
        await asyncio.sleep(0.003)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    frames = [await asyncio.wait_for(track.recv(), 5) for _ in range(10)]
    assert all(f.width == 320 for f in frames)
    # Two consumers waiting at once: cancelling one leaves the other waiting and served.
    while track._native.take() is not None:
        pass
    first, second = asyncio.ensure_future(track.recv()), asyncio.ensure_future(track.recv())
    await asyncio.sleep(0)
    first.cancel()
    frame = await asyncio.wait_for(second, 5)
    assert frame.width == 320 and first.cancelled()


async def test_frames_outlive_their_connection(closing):
    sender, receiver, tracks = await receive_from_aiortc(compat, closing, QuadrantTrack(320, 240))
    track = tracks["video"]
    kept = [await asyncio.wait_for(track.recv(), 10) for _ in range(30)]
    await receiver.close()
    await sender.close()
    del receiver, tracks, track
    gc.collect()
    for frame in kept:
        assert_quadrants(frame.to_ndarray(format="rgb24"))
        assert frame.to_image().size == (320, 240)


async def test_resolution_change_mid_stream(closing):
    source = QuadrantTrack(320, 240)
    sender, receiver, tracks = await receive_from_aiortc(compat, closing, source)
    track = tracks["video"]
    first = await asyncio.wait_for(track.recv(), 10)
    assert (first.width, first.height) == (320, 240)
    source.size = (640, 360)
    sizes = set()
    for _ in range(150):
        frame = await asyncio.wait_for(track.recv(), 5)
        sizes.add((frame.width, frame.height))
        if (frame.width, frame.height) == (640, 360):
            assert frame.to_ndarray(format="rgb24").shape == (360, 640, 3)
            assert_quadrants(frame.to_ndarray(format="rgb24"))
            break
    assert (640, 360) in sizes


async def test_slow_consumer_gets_fresh_frames_and_bounded_memory(closing):
    sender, receiver, tracks = await receive_from_aiortc(compat, closing, QuadrantTrack(320, 240))
    track = tracks["video"]
    track.max_queue_size = 5
    first = await asyncio.wait_for(track.recv(), 10)
    # pts counts the sender's 90 kHz clock from the first frame, which had come by now.
    clock_start = time.monotonic()
    assert first.pts == 0
    received, dropped = track.frames_received, track.frames_dropped
    # Nobody reads while more than a second of frames (30 fps) arrives.
    await wait_for(lambda: track.frames_dropped - dropped >= 35, timeout=20, what="drops")
    assert track._native.queued <= 5
    assert track.frames_received - received >= 40
    # What comes next is at most the queue's depth old against the sender's clock (with
    # half a second for latency), not a frame kept from before the wait.
    stale = await track.recv()
    sender_now = (time.monotonic() - clock_start) * 90000
    assert stale.pts >= 90000, "a frame from before the wait"
    assert sender_now - stale.pts <= 5 * 3000 + 45000, (sender_now, stale.pts)
    newest = stale
    while track._native.queued:
        frame = await track.recv()
        assert frame.pts > newest.pts
        newest = frame
    assert newest.pts - stale.pts <= 5 * 3000 + 3000


async def test_default_queue_sizes_and_audio_bound(closing):
    sender, receiver, tracks = await receive_from_aiortc(compat, closing, QuadrantTrack(), ToneTrack())
    video, audio = tracks["video"], tracks["audio"]
    assert (video.max_queue_size, audio.max_queue_size) == (10, 25)
    # Nobody reads: each queue stops at its bound, dropping the oldest beyond it.
    await wait_for(lambda: audio.frames_dropped >= 25 and video.frames_dropped >= 10, timeout=20)
    assert video._native.queued == 10 and audio._native.queued == 25
    start = time.monotonic()
    frames = [await audio.recv() for _ in range(25)]
    assert all(f.samples == 960 for f in frames)
    assert [f.pts for f in frames] == [frames[0].pts + 960 * i for i in range(25)]
    # The 25 kept are the newest 0.5 s: the first of them is well past the start.
    assert frames[0].pts >= 25 * 960
    assert time.monotonic() - start < 1.0  # they were waiting, not arriving
    audio.max_queue_size = 3
    await wait_for(lambda: audio._native.queued == 3 and audio.frames_dropped > 25 + 10, timeout=10)
    assert audio._native.queued == 3


@pytest.mark.parametrize("module", LAYERS)
async def test_first_audio_frame_is_the_first_sound(closing, module):
    # Before the first packet the receive stream plays muted audio at a placeholder format;
    # none of that is delivered: the first frame is the start of the sender's tone.
    sender, receiver, tracks = await receive_from_aiortc(module, closing, ToneTrack(440.0))
    first = await asyncio.wait_for(tracks["audio"].recv(), 10)
    assert first.pts == 0
    assert first.sample_rate == 48000 and first.samples == 960
    peaks = [int(np.abs(first.to_ndarray().astype(int)).max())]
    for _ in range(4):
        frame = await asyncio.wait_for(tracks["audio"].recv(), 5)
        peaks.append(int(np.abs(frame.to_ndarray().astype(int)).max()))
    assert all(peak > 1000 for peak in peaks), peaks


async def test_g722_tone(closing):
    _, receiver, tracks = await receive_from_aiortc(
        compat, closing, ToneTrack(1000.0, rate=16000), audio_codec="audio/G722")
    assert "G722/8000" in receiver.localDescription.sdp
    frames = [await asyncio.wait_for(tracks["audio"].recv(), 10) for _ in range(60)]
    frame = frames[-1]
    assert frame.sample_rate == 16000 and frame.samples == 320 and frame.layout.name == "mono"
    assert [f.pts for f in frames] == [frames[0].pts + 320 * i for i in range(60)]
    mono = np.concatenate([f.to_ndarray()[0] for f in frames[-50:]]).astype(float)
    assert np.abs(mono).max() > 2000, "silence"
    assert abs(dominant_frequency(mono, 16000) - 1000) < 10


@pytest.mark.parametrize("module", LAYERS)
async def test_stopping_the_transceiver_ends_its_track(closing, module):
    sender, receiver, tracks = await receive_from_aiortc(module, closing, QuadrantTrack(), ToneTrack())
    video, audio = tracks["video"], tracks["audio"]
    await asyncio.wait_for(video.recv(), 10)
    ended = []
    video.on("ended", lambda: ended.append("video"))
    audio.on("ended", lambda: ended.append("audio"))
    transceiver = next(t for t in receiver.getTransceivers() if t.kind == "video")
    assert transceiver.receiver.track is video
    if module is compat:
        await transceiver.stop()
    else:
        transceiver.stop()
    # Nobody calls recv(): the event comes by itself, for this track only.
    await wait_for(lambda: ended, timeout=5, what="ended")
    assert ended == ["video"] and video.readyState == "ended"
    with pytest.raises(webrtc.MediaStreamError):
        await asyncio.wait_for(video.recv(), 5)
    await asyncio.wait_for(audio.recv(), 5)
    assert audio.readyState == "live"


async def test_several_connections_keep_their_own_queues(closing):
    slow = await receive_from_aiortc(compat, closing, QuadrantTrack(320, 240))
    fast = await receive_from_aiortc(compat, closing, QuadrantTrack(320, 240), ToneTrack())
    slow_track = slow[2]["video"]
    fast_video, fast_audio = fast[2]["video"], fast[2]["audio"]
    await asyncio.wait_for(fast_video.recv(), 10)
    await asyncio.wait_for(fast_audio.recv(), 10)
    # The slow track is never read; the other connection's tracks keep flowing: two
    # seconds' worth of each arrives (with a deadline, not in a fixed window).
    counts = {"video": 0, "audio": 0}

    async def read(track, kind, wanted):
        while counts[kind] < wanted:
            await asyncio.wait_for(track.recv(), 5)
            counts[kind] += 1

    await asyncio.wait_for(
        asyncio.gather(read(fast_video, "video", 60), read(fast_audio, "audio", 100)), 20
    )
    await wait_for(lambda: slow_track.frames_dropped > 0, timeout=10, what="slow drops")
    assert slow_track._native.queued <= slow_track.max_queue_size


async def test_bad_arguments(closing):
    sender, receiver, tracks = await receive_from_aiortc(compat, closing, QuadrantTrack(320, 240))
    track = tracks["video"]
    frame = await asyncio.wait_for(track.recv(), 10)
    # As aiortc's frames (av.VideoFrame) refuse them.
    with pytest.raises(ValueError, match="not a pixel format: 'no-such-format'"):
        frame.to_ndarray(format="no-such-format")
    with pytest.raises(TypeError, match="expected bytes, int found"):
        frame.to_ndarray(format=42)
    with pytest.raises(ValueError, match="max_queue_size must be at least 1"):
        track.max_queue_size = 0
    with pytest.raises(TypeError, match="max_queue_size must be an int"):
        track.max_queue_size = "5"
    with pytest.raises(AttributeError):
        _ = frame.no_such_attribute
    with pytest.raises(compat.InvalidStateError):
        await receiver.close()
        receiver.addTransceiver("video")


async def test_native_tracks_are_released():
    before = webrtc._native.live_remote_tracks()
    sender, receiver, tracks = await receive_from_aiortc(compat, lambda pc: None, QuadrantTrack(), ToneTrack())
    await asyncio.wait_for(tracks["video"].recv(), 10)
    assert webrtc._native.live_remote_tracks() == before + 2
    await receiver.close()
    await sender.close()
    del sender, receiver, tracks

    def released():
        gc.collect()
        return webrtc._native.live_remote_tracks() == before

    await wait_for(released, timeout=10, what="native tracks released")


@pytest.mark.parametrize("module", LAYERS)
async def test_we_offer_to_receive_aiortc_answers_with_media(closing, module):
    receiver = module.RTCPeerConnection(configuration(module))
    closing(receiver)
    if module is compat:
        transceiver = receiver.addTransceiver("video", direction="recvonly")
    else:
        transceiver = receiver.addTransceiver("video", {"direction": "recvonly"})
    events = []
    receiver.on("track", events.append)
    sender = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(sender)
    await receiver.setLocalDescription(await receiver.createOffer())
    if module is webrtc:
        await gather_complete(receiver)
    await sender.setRemoteDescription(receiver.localDescription)
    sender.addTrack(QuadrantTrack(320, 240))  # takes the transceiver the offer created
    await sender.setLocalDescription(await sender.createAnswer())
    assert events == []
    await receiver.setRemoteDescription(sender.localDescription)
    # The answer makes our transceiver receive: its track is announced then.
    assert len(events) == 1
    track = event_track(module, events[0])
    assert track is transceiver.receiver.track
    assert transceiver.currentDirection == "recvonly"
    frame = await asyncio.wait_for(track.recv(), 10)
    assert_quadrants(frame.to_ndarray(format="rgb24"))
