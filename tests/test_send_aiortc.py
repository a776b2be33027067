"""Sending media from Python tracks to aiortc (an independent receiver): what arrives is
checked for content (pattern colours, tone frequency), size, rate and timing."""

from __future__ import annotations

import asyncio
import resource
import time

import aiortc
import numpy as np
import pytest

import webrtc
from webrtc import aiortc_compat as compat
from conftest import configuration, connect_full, wait_for
from media_sources import QUADRANTS, QuadrantTrack, dominant_frequency, quadrant_centers
from send_sources import SpeechQueue, quadrant_track, speech_track, tone, tone_track

LAYERS = [pytest.param(webrtc, id="w3c"), pytest.param(compat, id="compat")]


def prefer(module, pc, kind: str, mime_type: str) -> None:
    """Offer only `mime_type` (plus rtx) for `kind`, from our capabilities."""
    codecs = [
        c for c in module.RTCRtpSender.getCapabilities(kind).codecs
        if c.mimeType == f"{kind}/rtx" or (
            c.mimeType == mime_type
            # the H.264 profiles aiortc decodes
            and c.parameters.get("packetization-mode", "1") == "1"
            and c.parameters.get("profile-level-id", "42e01f") in ("42e01f", "42001f")
        )
    ]
    for transceiver in pc.getTransceivers():
        if transceiver.kind == kind:
            transceiver.setCodecPreferences(codecs)


async def send_to_aiortc(module, closing, *tracks, codecs=()):
    """A `module` connection offers `tracks` to an aiortc answerer. Returns (ours, theirs,
    {kind: aiortc's remote track})."""
    ours = module.RTCPeerConnection(configuration(module))
    closing(ours)
    for track in tracks:
        ours.addTrack(track)
    for kind, mime_type in codecs:
        prefer(module, ours, kind, mime_type)
    theirs = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(theirs)
    received = {}
    theirs.on("track", lambda track: received.__setitem__(track.kind, track))
    await connect_full(ours, theirs)
    return ours, theirs, received


def assert_quadrants(rgb: np.ndarray, tolerance: int = 20) -> None:
    height, width = rgb.shape[:2]
    for (row, column), expected in zip(quadrant_centers(width, height), QUADRANTS, strict=True):
        got = rgb[row, column].astype(int)
        assert np.all(np.abs(got - expected) <= tolerance), (row, column, got, expected)


def negotiated_codec(sdp: str, kind: str) -> str:
    """The first codec of the `kind` section of an answer."""
    section = sdp.split(f"m={kind} ")[1].split("\r\nm=")[0]
    payload_type = section.split("\r\n")[0].split()[2]
    for line in section.split("\r\n"):
        if line.startswith(f"a=rtpmap:{payload_type} "):
            return line.split()[1].split("/")[0]
    raise AssertionError(f"no rtpmap for {payload_type}")


@pytest.mark.parametrize("module", LAYERS)
@pytest.mark.parametrize("codec", ["video/VP8", "video/H264"])
@pytest.mark.parametrize("kind_of_frame", ["av", "rgb24", "ndarray"])
async def test_video_pattern_reaches_aiortc(closing, module, codec, kind_of_frame):
    if kind_of_frame != "av" and codec != "video/VP8":
        pytest.skip("frame kinds are codec-independent; one codec covers them")
    track = quadrant_track(module, 640, 480, kind_of_frame)
    ours, theirs, received = await send_to_aiortc(module, closing, track,
                                                  codecs=[("video", codec)])
    assert negotiated_codec(theirs.localDescription.sdp, "video") == codec.split("/")[1]
    remote = received["video"]
    frames = [await asyncio.wait_for(remote.recv(), 10) for _ in range(20)]
    if module is compat:
        # aiortc's behaviour: the track's own size from the first frame.
        assert all((f.width, f.height) == (640, 480) for f in frames)
    assert_quadrants(frames[-1].to_ndarray(format="rgb24"))
    assert all(b.pts > a.pts for a, b in zip(frames, frames[1:]))
    stats = await ours.getSenders()[0].getStats()
    outbound = [s for s in stats.values() if getattr(s, "type", None) == "outbound-rtp"
                or (isinstance(s, dict) and s.get("type") == "outbound-rtp")]
    assert len(outbound) == 1


@pytest.mark.parametrize("module", LAYERS)
@pytest.mark.parametrize("codec,rate", [("audio/opus", 48000), ("audio/PCMU", 8000)])
async def test_tone_reaches_aiortc(closing, module, codec, rate):
    ours, theirs, received = await send_to_aiortc(
        module, closing, tone_track(module, 440.0), codecs=[("audio", codec)]
    )
    assert negotiated_codec(theirs.localDescription.sdp, "audio") == codec.split("/")[1]
    remote = received["audio"]
    samples = []
    while sum(len(s) for s in samples) < rate:  # a second of audio
        frame = await asyncio.wait_for(remote.recv(), 10)
        assert frame.sample_rate == rate
        channels = len(frame.layout.channels)
        samples.append(frame.to_ndarray().reshape(-1, channels)[:, 0])
    audio = np.concatenate(samples)[rate // 2:]  # past the start-up
    assert np.abs(audio).max() > 2000
    assert abs(dominant_frequency(audio.astype(float), rate) - 440) < 10


@pytest.mark.parametrize("sample_format,layout,rate", [
    ("fltp", "stereo", 44100), ("flt", "mono", 22050), ("s16", "stereo", 16000),
])
async def test_any_pyav_audio_format_is_sent(closing, sample_format, layout, rate):
    track = tone_track(compat, 440.0, rate=rate, layout=layout, sample_format=sample_format)
    ours, theirs, received = await send_to_aiortc(compat, closing, track)
    remote = received["audio"]
    samples = []
    while sum(len(s) for s in samples) < 48000:
        frame = await asyncio.wait_for(remote.recv(), 10)
        samples.append(frame.to_ndarray().reshape(-1, 2)[:, 0])
    audio = np.concatenate(samples)[24000:]
    assert abs(dominant_frequency(audio.astype(float), 48000) - 440) < 10


async def test_never_sleeping_speech_track_is_sent_at_real_time(closing):
    """The first user's pattern: recv() never sleeps (and blocks when its queue is empty).
    5 s of 440 Hz arrives as about 5 s of 440 Hz, and the process stays nearly idle."""
    queue = SpeechQueue()
    queue.put(tone(440.0, 5.0))
    track = speech_track(compat, queue)
    ours, theirs, received = await send_to_aiortc(compat, closing, track)
    remote = received["audio"]
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    sound_first = sound_last = None
    sound_samples = 0
    sound: list[np.ndarray] = []
    deadline = time.monotonic() + 12
    while time.monotonic() < deadline:
        frame = await asyncio.wait_for(remote.recv(), 5)
        left = frame.to_ndarray().reshape(-1, 2)[:, 0]
        if np.abs(left).max() > 2000:
            now = time.monotonic()
            sound_first = sound_first or now
            sound_last = now
            sound_samples += len(left)
            sound.append(left)
        elif sound_last is not None and time.monotonic() - sound_last > 1.0:
            break
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    assert sound_first is not None, "no tone arrived"
    wall = sound_last - sound_first + 0.02
    received_seconds = sound_samples / 48000
    print(f"\nreceived {received_seconds:.2f} s of tone over {wall:.2f} s; pulls {track.pulls}")
    assert 4.5 < received_seconds < 5.5
    assert 0.9 < received_seconds / wall < 1.1
    middle = np.concatenate(sound)[48000 * 2:48000 * 3]
    assert abs(dominant_frequency(middle.astype(float), 48000) - 440) < 10
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    elapsed = time.monotonic() - sound_first
    # Both ends run here (aiortc decodes in Python); a sender spinning on recv() would take
    # a whole core.
    assert cpu / elapsed < 0.6, f"{cpu / elapsed:.2f} of a core"


async def test_received_video_keeps_its_rate_while_we_send_blocking_speech(closing):
    """Both directions at once: aiortc sends 720p video, we send the speech track whose
    queue runs dry at times (and then blocks the loop for 20 ms per pull)."""
    queue = SpeechQueue()
    ours = compat.RTCPeerConnection(configuration(compat))
    closing(ours)
    theirs = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(theirs)
    theirs.addTrack(QuadrantTrack(1280, 720))
    received = {}
    ours.on("track", lambda track: received.__setitem__(track.kind, track))
    speech = speech_track(compat, queue)
    await connect_full(theirs, ours)  # aiortc offers; our answer adds the speech track
    await wait_for(lambda: "video" in received, what="the video track")
    ours.addTrack(speech)
    video = received["video"]
    await asyncio.wait_for(video.recv(), 10)

    async def speak() -> None:  # the TTS: a sentence, a pause, another sentence
        for _ in range(4):
            queue.put(tone(300.0, 0.6))
            await asyncio.sleep(1.0)

    speaker = asyncio.ensure_future(speak())
    started, frames = time.monotonic(), 0
    while time.monotonic() - started < 4.0:
        frame = await asyncio.wait_for(video.recv(), 5)
        frames += 1
    fps = frames / (time.monotonic() - started)
    await speaker
    print(f"\nreceived {fps:.1f} fps at {frame.width}x{frame.height}; speech pulls {speech.pulls}")
    assert (frame.width, frame.height) == (1280, 720)
    assert fps >= 25
    assert speech.pulls > 100  # the speech track really was being pulled


async def test_resolution_change_mid_stream(closing):
    track = quadrant_track(compat, 640, 480)
    ours, theirs, received = await send_to_aiortc(compat, closing, track)
    remote = received["video"]
    frame = await asyncio.wait_for(remote.recv(), 10)
    assert (frame.width, frame.height) == (640, 480)
    track.size = (320, 240)

    async def next_size():
        while True:
            frame = await asyncio.wait_for(remote.recv(), 5)
            if (frame.width, frame.height) == (320, 240):
                return frame

    frame = await asyncio.wait_for(next_size(), 10)
    assert_quadrants(frame.to_ndarray(format="rgb24"))


async def test_green_video_and_silence_from_the_default_tracks(closing):
    ours, theirs, received = await send_to_aiortc(
        compat, closing, compat.VideoStreamTrack(), compat.AudioStreamTrack()
    )
    frame = await asyncio.wait_for(received["video"].recv(), 10)
    assert (frame.width, frame.height) == (640, 480)
    rgb = frame.to_ndarray(format="rgb24")[240, 320].astype(int)
    assert rgb[1] > 100 and rgb[0] < 60 and rgb[2] < 60, rgb  # all-zero yuv420p is green
    audio = await asyncio.wait_for(received["audio"].recv(), 10)
    assert np.abs(audio.to_ndarray()).max() < 50


async def test_a_received_frame_can_be_sent_on(closing):
    """Frames received from aiortc, returned by a track's recv(), go out again by
    reference (no conversion) to a second aiortc peer."""
    source = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(source)
    source.addTrack(QuadrantTrack(320, 240))
    relay_in = compat.RTCPeerConnection(configuration(compat))
    closing(relay_in)
    incoming = {}
    relay_in.on("track", lambda track: incoming.__setitem__(track.kind, track))
    await connect_full(source, relay_in)

    class Forward(compat.MediaStreamTrack):
        kind = "video"

        async def recv(self):
            return await incoming["video"].recv()

    ours, theirs, received = await send_to_aiortc(compat, closing, Forward())
    frames = [await asyncio.wait_for(received["video"].recv(), 10) for _ in range(10)]
    assert (frames[-1].width, frames[-1].height) == (320, 240)
    assert_quadrants(frames[-1].to_ndarray(format="rgb24"))


@pytest.mark.parametrize("module", LAYERS)
async def test_a_received_track_is_forwarded_natively(closing, module):
    """aiortc's relay pattern (addTrack of a received track): libwebrtc forwards the frames;
    Python never sees them (the received track's own queue stays untouched)."""
    source = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(source)
    source.addTrack(QuadrantTrack(320, 240))
    source.addTrack(aiortc_tone())
    relay_in = module.RTCPeerConnection(configuration(module))
    closing(relay_in)
    incoming = {}

    def on_track(event):
        track = event if module is compat else event.track
        incoming[track.kind] = track

    relay_in.on("track", on_track)
    await connect_full(source, relay_in)
    ours, theirs, received = await send_to_aiortc(
        module, closing, incoming["video"], incoming["audio"])
    assert ours.getSenders()[0]._pump is None
    frames = [await asyncio.wait_for(received["video"].recv(), 10) for _ in range(10)]
    assert (frames[-1].width, frames[-1].height) == (320, 240)
    assert_quadrants(frames[-1].to_ndarray(format="rgb24"))
    samples = []
    while sum(len(s) for s in samples) < 48000:
        frame = await asyncio.wait_for(received["audio"].recv(), 10)
        samples.append(frame.to_ndarray().reshape(-1, 2)[:, 0])
    audio = np.concatenate(samples)[24000:]
    assert abs(dominant_frequency(audio.astype(float), 48000) - 440) < 10


def aiortc_tone():
    from media_sources import ToneTrack

    return ToneTrack(440.0)


async def test_server_pattern_answer_with_a_track_added_in_the_track_handler(closing):
    """aiortc's server examples: the offer comes from the remote side, and the answerer
    adds its own track inside the `track` handler; our answer sends it."""
    theirs = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(theirs)
    theirs.addTrack(QuadrantTrack(320, 240))
    ours = compat.RTCPeerConnection(configuration(compat))
    closing(ours)
    mine = quadrant_track(compat, 640, 480)

    @ours.on("track")
    def on_track(track):
        ours.addTrack(mine)

    received = {}
    theirs.on("track", lambda track: received.__setitem__(track.kind, track))
    await connect_full(theirs, ours)
    (transceiver,) = ours.getTransceivers()  # the offered section was reused
    assert transceiver.sender.track is mine and transceiver.currentDirection == "sendrecv"
    frames = [await asyncio.wait_for(received["video"].recv(), 10) for _ in range(5)]
    assert (frames[-1].width, frames[-1].height) == (640, 480)
    assert_quadrants(frames[-1].to_ndarray(format="rgb24"))


async def test_rtp_timestamps_follow_pts_despite_event_loop_jitter(closing):
    """Frames are stamped with when their pts is due, not when the pump got to push them:
    with the loop stalling at random, aiortc still sees 3000-tick steps (30 fps at 90 kHz).
    aiortc's own recorder rounds these to frame slots and fails on a duplicate."""
    track = quadrant_track(compat, 320, 240)
    ours, theirs, received = await send_to_aiortc(compat, closing, track)
    await wait_for(lambda: "video" in received, 10, "aiortc's video track")
    stop = asyncio.Event()

    async def jitter():
        rng = np.random.default_rng(7)
        while not stop.is_set():
            time.sleep(float(rng.uniform(0, 0.025)))  # a blocking stall, as user code does
            await asyncio.sleep(float(rng.uniform(0, 0.02)))

    stalls = asyncio.ensure_future(jitter())
    try:
        pts = []
        deadline = time.monotonic() + 15
        while len(pts) < 60 and time.monotonic() < deadline:
            frame = await asyncio.wait_for(received["video"].recv(), 5)
            pts.append(frame.pts)
    finally:
        stop.set()
        await stalls
    assert len(pts) >= 60
    steps = np.diff(pts[10:])
    # libwebrtc keeps capture times in milliseconds (rounded on the way twice), so a step is
    # 32 to 34 ms (2880 to 3060 ticks); dropped frames give multiples. Beyond that is jitter
    # (without the pts stamps, steps here range from 800 to 6000 ticks).
    slots = np.round(steps / 3000)
    assert np.all(slots >= 1), sorted(set(steps.tolist()))
    assert np.all(np.abs(steps - 3000 * slots) <= 180), sorted(set(steps.tolist()))
