"""webrtc.aiortc_compat.contrib.media: files made here by PyAV (VP8/Opus in WebM, H.264/AAC in
MP4) played by MediaPlayer over loopback connections to aiortc and to our own receiver,
recorded by MediaRecorder and checked for duration, pattern colours, motion and tone;
looping; MediaRelay with slow subscribers; what bad input raises, against aiortc 1.16's
own contrib.media."""

from __future__ import annotations

import asyncio
import fractions
import logging
import time

import aiortc
import aiortc.contrib.media as theirs
import av
import numpy as np
import pytest

import webrtc.aiortc_compat as compat
import webrtc.aiortc_compat.contrib.media as ours
from conftest import configuration, connect_full, wait_for
from media_sources import QUADRANTS, QuadrantTrack, dominant_frequency, quadrant_centers

WIDTH, HEIGHT, FPS = 320, 240, 30
SECONDS = 3.0
TONE = 440.0
BLOCK = 24  # the moving white block's side; it crosses a black stripe in the middle
STRIPE = (HEIGHT // 2 - BLOCK // 2, HEIGHT // 2 + BLOCK // 2)


def block_left(t: float, seconds: float = SECONDS) -> float:
    """Where the block's left edge is at time t of the file."""
    return t / seconds * (WIDTH - BLOCK)


def picture(t: float, seconds: float = SECONDS) -> np.ndarray:
    rgb = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    h, w = HEIGHT // 2, WIDTH // 2
    rgb[:h, :w], rgb[:h, w:], rgb[h:, :w], rgb[h:, w:] = QUADRANTS
    rgb[STRIPE[0]:STRIPE[1]] = 16
    left = int(round(block_left(t, seconds)))
    rgb[STRIPE[0]:STRIPE[1], left:left + BLOCK] = 235
    return rgb


def write_file(path, video_codec: str, audio_codec: str, seconds: float = SECONDS,
               start: float = 0.0) -> None:
    """`seconds` of the pattern at 30 fps and a stereo 440 Hz tone, muxed as they come,
    starting at `start` seconds (a camera's recording starts anywhere)."""
    container = av.open(str(path), "w")
    video = container.add_stream(video_codec, rate=FPS)
    video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    video.options = ({"deadline": "realtime", "cpu-used": "8"} if video_codec == "libvpx"
                     else {"preset": "veryfast"})
    audio = container.add_stream(audio_codec, rate=48000)
    audio.layout = "stereo"
    wave = (8000 * np.sin(2 * np.pi * TONE * np.arange(int(seconds * 48000)) / 48000))
    wave = wave.astype(np.int16)
    for index in range(int(seconds * FPS)):
        frame = av.VideoFrame.from_ndarray(picture(index / FPS, seconds), format="rgb24")
        frame.pts = round(start * FPS) + index
        frame.time_base = fractions.Fraction(1, FPS)
        for packet in video.encode(frame):
            container.mux(packet)
        begin, end = index * 1600, (index + 1) * 1600  # this frame's 1/30 s of sound
        chunk = np.repeat(wave[begin:end], 2).reshape(1, -1)
        sound = av.AudioFrame.from_ndarray(chunk, format="s16", layout="stereo")
        sound.sample_rate, sound.pts = 48000, round(start * 48000) + begin
        sound.time_base = fractions.Fraction(1, 48000)
        for packet in audio.encode(sound):
            container.mux(packet)
    for stream in (video, audio):
        for packet in stream.encode(None):
            container.mux(packet)
    container.close()


@pytest.fixture(scope="module")
def media_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    files = {"webm": folder / "pattern.webm", "mp4": folder / "pattern.mp4",
             "short": folder / "short.webm"}
    write_file(files["webm"], "libvpx", "libopus")
    write_file(files["mp4"], "libx264", "aac")
    write_file(files["short"], "libvpx", "libopus", seconds=1.0, start=0.5)
    return files


# ---- what a recorded file holds ----

def recorded(path) -> dict:
    """Video frames (time, rgb) and audio (mono float at 48 kHz) of a recorded file."""
    container = av.open(str(path))
    result: dict = {"video": [], "audio": np.zeros(0)}
    if container.streams.video:
        result["video"] = [(frame.time, frame.to_ndarray(format="rgb24"))
                           for frame in container.decode(video=0)]
    container.seek(0)
    if container.streams.audio:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        chunks = [out.to_ndarray().reshape(-1) for frame in container.decode(audio=0)
                  for out in resampler.resample(frame)]
        result["audio"] = np.concatenate(chunks).astype(float)
    container.close()
    return result


def assert_pattern(rgb: np.ndarray, tolerance: int = 25) -> None:
    for (row, column), expected in zip(quadrant_centers(WIDTH, HEIGHT), QUADRANTS, strict=True):
        got = rgb[row, column].astype(int)
        assert np.all(np.abs(got - expected) <= tolerance), (row, column, got, expected)


def measured_block_left(rgb: np.ndarray) -> float:
    row = rgb[HEIGHT // 2].astype(int).sum(axis=1)
    bright = np.flatnonzero(row > 3 * 128)
    assert len(bright), "no block in the stripe"
    return float(bright.mean()) - (BLOCK - 1) / 2


def tone_seconds(audio: np.ndarray) -> float:
    """How long the tone sounds: 10 ms windows loud enough to be it."""
    windows = audio[: len(audio) // 480 * 480].reshape(-1, 480)
    return float((np.sqrt((windows ** 2).mean(axis=1)) > 2000).sum() * 0.01)


def check_recording(path, label: str) -> None:
    media = recorded(path)
    video, audio = media["video"], media["audio"]
    times = [t for t, _ in video]
    span = times[-1] - times[0] + 1 / FPS
    sounding = tone_seconds(audio)
    loud = np.flatnonzero(np.abs(audio) > 2000)
    middle = audio[loud[0]:][24000:72000]
    frequency = dominant_frequency(middle, 48000)
    # The block moves (WIDTH - BLOCK) pixels over SECONDS: its position against the
    # recorded timestamps shows the pacing survived the whole path.
    lefts = np.array([measured_block_left(rgb) for _, rgb in video])
    slope = np.polyfit(np.array(times), lefts, 1)[0]
    print(f"\n{label}: {len(video)} video frames over {span:.2f} s, block speed {slope:.1f} "
          f"px/s (sent {(WIDTH - BLOCK) / SECONDS:.1f}), tone {sounding:.2f} s at "
          f"{frequency:.0f} Hz")
    # Under CPU load libwebrtc drops frames before encoding (the player handed over every
    # one: the caller checks that); the content and timing checks below hold regardless.
    assert len(video) >= SECONDS * FPS / 3
    assert abs(span - SECONDS) < 0.3
    assert_pattern(video[len(video) // 2][1])
    assert abs(slope - (WIDTH - BLOCK) / SECONDS) < 0.1 * (WIDTH - BLOCK) / SECONDS
    # A loop stall past the send buffer's 60 ms inserts silence, stretching the tone a little.
    assert abs(sounding - SECONDS) < 0.5
    assert abs(frequency - TONE) < 10


# ---- playing over connections ----

async def play_over(closing, player, receiver: str):
    """Our connection sends the player's tracks to `receiver` ("aiortc" or "ours"); returns
    (our sending connection, the receiving one, {kind: received track})."""
    sender = compat.RTCPeerConnection(configuration(compat))
    closing(sender)
    sender.addTrack(player.audio)
    sender.addTrack(player.video)
    if receiver == "aiortc":
        other = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    else:
        other = compat.RTCPeerConnection(configuration(compat))
    closing(other)
    tracks = {}
    other.on("track", lambda track: tracks.__setitem__(track.kind, track))
    await connect_full(sender, other)
    return sender, other, tracks


@pytest.mark.parametrize("receiver", ["aiortc", "ours"])
@pytest.mark.parametrize("container", ["webm", "mp4"])
async def test_a_played_file_arrives_and_records_the_same(closing, media_files, tmp_path,
                                                          container, receiver):
    """MediaPlayer to a receiver, MediaRecorder of what arrives (aiortc's PyAV frames, or
    our frames through to_av()), recorded in the same container kind as the source."""
    player = ours.MediaPlayer(str(media_files[container]))
    output = tmp_path / f"recorded.{container}"
    recorder = ours.MediaRecorder(str(output))
    sender, other, tracks = await play_over(closing, player, receiver)
    assert sorted(tracks) == ["audio", "video"]
    recorder.addTrack(tracks["audio"])
    recorder.addTrack(tracks["video"])
    await recorder.start()
    started = time.monotonic()
    await wait_for(lambda: player.video.readyState == "ended"
                   and player.audio.readyState == "ended", timeout=SECONDS + 6,
                   what="the end of the file")
    played = time.monotonic() - started
    await asyncio.sleep(0.5)  # what is still on its way
    await recorder.stop()
    assert played < SECONDS + 1.5  # real time (and not much slower)
    pumps = {s.kind: s._pump for s in sender.getSenders()}
    assert pumps["video"].frames == SECONDS * FPS  # every frame of the file went to the engine
    assert pumps["audio"].frames >= SECONDS / 0.02 - 1
    check_recording(output, f"{container} to {receiver}")


# ---- the player's tracks ----

async def read_all(track, deadline: float) -> list[tuple[float, object]]:
    """(arrival time, frame) until the track ends."""
    frames = []
    while time.monotonic() < deadline:
        try:
            frame = await asyncio.wait_for(track.recv(), 2)
        except (compat.MediaStreamError, aiortc.MediaStreamError):
            return frames
        frames.append((time.monotonic(), frame))
    raise AssertionError("the track did not end")


@pytest.mark.parametrize("container", ["webm", "mp4"])
async def test_player_tracks_match_aiortcs_player_at_real_time(media_files, container):
    """Both players read the same file at once: the same 960-sample s16 stereo audio
    (sample for sample), video from pts 0 with every frame aiortc gives, each frame handed
    out at its time; the end is MediaStreamError, on every recv() after it too."""
    path = str(media_files[container])
    mine, reference = ours.MediaPlayer(path), theirs.MediaPlayer(path)
    deadline = time.monotonic() + SECONDS + 5
    start = time.monotonic()
    audio, video, their_audio, their_video = await asyncio.gather(
        read_all(mine.audio, deadline), read_all(mine.video, deadline),
        read_all(reference.audio, deadline), read_all(reference.video, deadline))
    frames = [frame for _, frame in audio]
    assert all(f.format.name == "s16" and f.layout.name == "stereo" and f.sample_rate == 48000
               and f.samples == 960 for f in frames)
    assert [f.pts for f in frames] == [960 * i for i in range(len(frames))]
    theirs_samples = np.concatenate([f.to_ndarray() for _, f in their_audio], axis=1)
    ours_samples = np.concatenate([f.to_ndarray() for f in frames], axis=1)
    assert np.array_equal(ours_samples, theirs_samples)
    assert video[0][1].pts == 0
    assert {f.pts for _, f in their_video} <= {f.pts for _, f in video}
    assert len(video) == int(SECONDS * FPS)
    # Paced: each frame at its time, none early (late only by what a loaded machine adds).
    lateness = np.array([arrived - start - frame.time for arrived, frame in audio + video])
    print(f"\nlateness: median {np.median(lateness) * 1000:.0f} ms, "
          f"95% {np.percentile(lateness, 95) * 1000:.0f} ms, min {lateness.min() * 1000:.0f} ms")
    assert lateness.min() > -0.03
    assert np.median(lateness) < 0.05 and np.percentile(lateness, 95) < 0.3
    with pytest.raises(compat.MediaStreamError):
        await mine.video.recv()
    assert mine.audio.readyState == mine.video.readyState == "ended"


async def test_loop_keeps_playing_past_the_end_with_continuous_timestamps(media_files):
    """loop=True on a 1 s file: 2.5 s of frames, timestamps going on across each loop, the
    picture starting over; stop() ends it."""
    player = ours.MediaPlayer(str(media_files["short"]), loop=True)
    start = time.monotonic()
    video, audio = [], []

    async def read(track, into):
        while time.monotonic() - start < 2.5:
            into.append(await asyncio.wait_for(track.recv(), 2))

    await asyncio.gather(read(player.video, video), read(player.audio, audio))
    elapsed = time.monotonic() - start
    video_times = [f.time for f in video]
    assert video[0].pts == 0  # shifted to 0, as aiortc's (the file starts at 0.5 s)
    assert video_times[-1] > 2.3 and elapsed < 2.8
    assert all(b > a for a, b in zip(video_times, video_times[1:]))
    assert max(np.diff(video_times)) < 0.1  # no jump back, no hole at the loop
    # Audio counts on too; at each loop it may skip what is left of a 20 ms frame to stay
    # with the video.
    steps = np.diff([f.pts for f in audio])
    assert audio[0].pts == 0 and steps.min() == 960 and steps.max() <= 2 * 960
    assert (steps != 960).sum() <= 2
    lefts = [measured_block_left(f.to_ndarray(format="rgb24")) for f in video]
    restarts = [i for i in range(1, len(lefts)) if lefts[i] < lefts[i - 1] - 100]
    assert len(restarts) == 2, lefts  # the block went back to the left twice
    player.video.stop()
    player.audio.stop()
    with pytest.raises(compat.MediaStreamError):
        await player.video.recv()


async def test_decode_false_still_gives_frames_for_every_codec(media_files):
    """Deliberate difference: this engine encodes itself, so decode=False decodes too; the
    AAC track aiortc leaves out (it can only pass Opus/G.711/H.264/VP8 packets) is there."""
    reference = theirs.MediaPlayer(str(media_files["mp4"]), decode=False)
    assert reference.audio is None
    player = ours.MediaPlayer(str(media_files["mp4"]), decode=False)
    frame = await asyncio.wait_for(player.video.recv(), 5)
    sound = await asyncio.wait_for(player.audio.recv(), 5)
    assert isinstance(frame, av.VideoFrame) and isinstance(sound, av.AudioFrame)
    assert ours.VideoFrame is av.VideoFrame and ours.AudioFrame is av.AudioFrame
    player.video.stop()
    player.audio.stop()


async def test_a_track_read_late_has_a_bounded_backlog_and_keeps_the_clock(media_files):
    """Only the video is read at first (the common `addTrack(player.video)`): the audio
    track keeps its last 1.5 s, not everything. Read later, it catches up on the player's
    one clock: its frames then come at their time, in step with the video."""
    player = ours.MediaPlayer(str(media_files["webm"]))
    start = time.monotonic()
    reading_video = asyncio.ensure_future(read_all(player.video, start + SECONDS + 5))
    await asyncio.sleep(1.8)
    queued = list(player.audio._frames)
    assert queued and queued[-1].time - queued[0].time <= ours.QUEUE_SECONDS
    assert queued[-1].time > 1.8  # the reader is ahead of the clock
    audio = await read_all(player.audio, start + SECONDS + 5)
    video = await reading_video
    assert len(video) == int(SECONDS * FPS)
    assert audio[0][1].time == queued[0].time
    lateness = [arrived - start - frame.time for arrived, frame in audio
                if frame.time > queued[-1].time + 0.1]
    print(f"\nlate audio, after its backlog: {max(lateness) * 1000:.0f} ms at most")
    assert lateness and -0.03 < min(lateness) and max(lateness) < 0.1


async def test_a_slow_reader_holds_the_file_back_and_loses_nothing(media_files):
    """A consumer slower than real time: the reader thread waits for it (1.5 s ahead at
    most, not the whole file in memory) and every frame comes, in order."""
    player = ours.MediaPlayer(str(media_files["webm"]))
    frames = []
    for _ in range(12):
        frames.append(await asyncio.wait_for(player.video.recv(), 2))
        await asyncio.sleep(0.12)
    ahead = player.video._frames[-1].time - frames[-1].time
    print(f"\nqueued ahead of the slow reader: {ahead:.2f} s")
    assert ahead <= ours.QUEUE_SECONDS + 0.1
    assert np.allclose(np.diff([f.time for f in frames]), 1 / FPS, atol=0.002)
    player.video.stop()
    player.audio.stop()


# ---- MediaRelay ----

class CountingTrack(compat.MediaStreamTrack):
    """`count` tiny frames, one every 10 ms, then the end; counts its recv() calls."""

    kind = "video"

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count
        self.calls = 0
        self.made = 0

    async def recv(self):
        self.calls += 1
        if self.made == self.count:
            raise compat.MediaStreamError
        await asyncio.sleep(0.01)
        frame = av.VideoFrame(16, 16, "yuv420p")
        frame.pts, frame.time_base = self.made, fractions.Fraction(1, 100)
        self.made += 1
        return frame


@pytest.mark.parametrize("slow_buffered", [True, False], ids=["slow-buffered", "slow-latest"])
async def test_relay_reads_once_and_a_slow_subscriber_holds_nobody_up(slow_buffered):
    source = CountingTrack(60)
    relay = ours.MediaRelay()
    fast = relay.subscribe(source)
    fast_latest = relay.subscribe(source, buffered=False)
    slow = relay.subscribe(source, buffered=slow_buffered)
    finished: dict[str, float] = {}

    async def consume(name, track, delay):
        got = []
        while True:
            try:
                frame = await asyncio.wait_for(track.recv(), 2)
            except compat.MediaStreamError:
                finished[name] = time.monotonic() - start
                return got
            got.append((frame, source.made))
            if delay:
                await asyncio.sleep(delay)

    start = time.monotonic()
    results = await asyncio.gather(consume("fast", fast, 0),
                                   consume("fast_latest", fast_latest, 0),
                                   consume("slow", slow, 0.05))
    fast_got, latest_got, slow_got = ([frame for frame, _ in got] for got in results)
    print(f"\nfinished after {finished}; slow got {len(slow_got)} frames")
    assert source.calls == 61  # 60 frames and the end, once for all three
    assert [f.pts for f in fast_got] == list(range(60))
    assert finished["fast"] < 1.2 and finished["fast_latest"] < 1.2
    assert len(latest_got) >= 55
    assert all(any(f is g for g in fast_got) for f in slow_got)  # the same frames, shared
    pts = [f.pts for f in slow_got]
    assert all(b > a for a, b in zip(pts, pts[1:]))
    if slow_buffered:
        assert pts == list(range(60)) and finished["slow"] > 2.5
    else:
        assert len(pts) < 25 and finished["slow"] < 1.3
        # Each frame it got was the newest one when it asked (the source may have made
        # one more that the relay has not handed out yet).
        behind = [made - 1 - frame.pts for frame, made in results[2]]
        assert max(behind) <= 1, behind
    assert fast.readyState == slow.readyState == "ended"


async def test_relay_of_a_received_track_is_forwarded_natively(closing):
    """aiortc sends video to our connection; a MediaRelay proxy of the received track,
    added to another of our connections, is forwarded by libwebrtc (no pump), while a
    second proxy is read in Python at the same time."""
    source = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(source)
    source.addTrack(QuadrantTrack(320, 240))
    relay_in = compat.RTCPeerConnection(configuration(compat))
    closing(relay_in)
    incoming = {}
    relay_in.on("track", lambda track: incoming.__setitem__(track.kind, track))
    await connect_full(source, relay_in)
    relay = ours.MediaRelay()
    forwarded = relay.subscribe(incoming["video"])
    watched = relay.subscribe(incoming["video"], buffered=False)
    sender = compat.RTCPeerConnection(configuration(compat))
    closing(sender)
    sender.addTrack(forwarded)
    receiver = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    closing(receiver)
    received = {}
    receiver.on("track", lambda track: received.__setitem__(track.kind, track))
    await connect_full(sender, receiver)
    await wait_for(lambda: sender.getSenders()[0]._forwarding, what="forwarding")
    assert sender.getSenders()[0]._pump is None
    frames = [await asyncio.wait_for(received["video"].recv(), 10) for _ in range(10)]
    watched_frame = await asyncio.wait_for(watched.recv(), 5)
    for rgb in (frames[-1].to_ndarray(format="rgb24"),
                watched_frame.to_ndarray(format="rgb24")):
        for (row, column), expected in zip(quadrant_centers(320, 240), QUADRANTS):
            assert np.all(np.abs(rgb[row, column].astype(int) - expected) <= 25)


# ---- the recorder ----

async def test_recorder_formats_follow_aiortcs_table(tmp_path):
    """Codec by container as aiortc's (checked against aiortc's own recorder): wav
    pcm_s16le, ogg opus, mp3 mp3, mp4 aac + h264, webm opus + vp8, image2 png."""
    names = ["a.wav", "a.ogg", "a.mp3", "a.mp4", "a.webm", "a-%3d.png"]
    for name in names:
        codecs = []
        for module, folder in ((ours, "ours"), (theirs, "theirs")):
            (tmp_path / folder).mkdir(exist_ok=True)
            recorder = module.MediaRecorder(str(tmp_path / folder / name))
            if not name.endswith(".png"):
                recorder.addTrack(compat.AudioStreamTrack())
            if not name.endswith((".wav", ".ogg", ".mp3")):
                recorder.addTrack(compat.VideoStreamTrack())
            streams = recorder._MediaRecorder__container.streams
            codecs.append([(s.codec_context.name, getattr(s, "pix_fmt", None)) for s in streams])
            await recorder.stop()
        assert codecs[0] == codecs[1], name


async def test_recorder_records_pngs_and_wav(tmp_path, media_files):
    """Frames from a player into an image sequence and a wav file."""
    player = ours.MediaPlayer(str(media_files["short"]))
    images = ours.MediaRecorder(str(tmp_path / "frame-%3d.png"))
    sound = ours.MediaRecorder(str(tmp_path / "sound.wav"))
    images.addTrack(player.video)
    sound.addTrack(player.audio)
    await images.start()
    await sound.start()
    await wait_for(lambda: player.video.readyState == player.audio.readyState == "ended",
                   timeout=5, what="the end")
    await images.stop()
    await sound.stop()
    pngs = sorted(tmp_path.glob("frame-*.png"))
    assert len(pngs) == FPS
    with av.open(str(pngs[len(pngs) // 2])) as container:
        assert_pattern(next(container.decode(video=0)).to_ndarray(format="rgb24"))
    with av.open(str(tmp_path / "sound.wav")) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.rate, stream.channels) == ("pcm_s16le", 48000, 2)
        samples = np.concatenate([f.to_ndarray().reshape(-1, 2)[:, 0]
                                  for f in container.decode(audio=0)])
    assert abs(len(samples) / 48000 - 1.0) < 0.05
    assert abs(dominant_frequency(samples.astype(float), 48000) - TONE) < 10


async def test_recorder_encodes_off_the_event_loop(tmp_path):
    """VP8 at aiortc's settings costs tens of milliseconds a frame of noise: with aiortc's
    recorder each turn of the event loop waits for one; ours encodes on its own thread, the
    loop keeps its turns, and every frame is recorded."""

    class Noise(compat.VideoStreamTrack):
        """30 fps of noise for one second of wall time (however many frames that is)."""

        made = 0
        began: float | None = None

        async def recv(self):
            pts, time_base = await self.next_timestamp()
            self.began = self.began or time.monotonic()
            if time.monotonic() - self.began > 1.0:
                self.stop()
                raise compat.MediaStreamError
            rgb = np.random.default_rng(pts).integers(0, 255, (HEIGHT, WIDTH, 3), np.uint8)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = pts, time_base
            self.made += 1
            return frame

    async def loop_turns(module, track) -> float:
        """The median time the loop takes to come back from a 5 ms sleep while recording."""
        recorder = module.MediaRecorder(str(tmp_path / f"{module.__name__}.webm"))
        recorder.addTrack(track)
        gaps = []
        await recorder.start()
        last = time.monotonic()
        while track.readyState == "live" and time.monotonic() - last < 10:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            gaps.append(now - last)
            last = now
        await asyncio.wait_for(recorder.stop(), 20)
        return float(np.median(gaps))

    track = Noise()
    mine, reference = await loop_turns(ours, track), await loop_turns(theirs, Noise())
    print(f"\nevent loop turns while recording (5 ms asked), median: ours "
          f"{mine * 1000:.0f} ms, aiortc's {reference * 1000:.0f} ms")
    # Ours keeps the loop's turns (the 5 ms asked, plus scheduling). aiortc's figure is
    # printed for comparison only: how long its encoding holds the loop depends on the
    # machine (about a second a turn under load, a few ms when idle).
    assert mine < 0.02
    with av.open(str(tmp_path / f"{ours.__name__}.webm")) as container:
        assert sum(1 for _ in container.decode(video=0)) == track.made > 20


async def test_recorder_drops_a_frame_in_the_slot_of_the_previous_one(tmp_path):
    """Received timestamps jitter; a frame 11 ms after the previous one falls in its 1/30 s
    slot. aiortc's recorder fails at the muxer there; ours drops that frame."""

    class Jittery(compat.MediaStreamTrack):
        kind = "video"

        def __init__(self):
            super().__init__()
            self.times = iter([0, 3000, 6000, 7000, 9000, 12000])

        async def recv(self):
            pts = next(self.times, None)
            if pts is None:
                raise compat.MediaStreamError
            frame = av.VideoFrame.from_ndarray(picture(0), format="rgb24")
            frame.pts, frame.time_base = pts, fractions.Fraction(1, 90000)
            return frame

    results = {}
    for module in (ours, theirs):
        path = tmp_path / f"{module.__name__}.mp4"
        recorder = module.MediaRecorder(str(path))
        recorder.addTrack(Jittery())
        await recorder.start()
        await asyncio.sleep(0.2)
        try:
            await recorder.stop()
            with av.open(str(path)) as container:
                results[module] = [f.pts for f in container.decode(video=0)]
        except av.FFmpegError as exc:
            results[module] = exc
    assert len(results[ours]) == 5
    assert isinstance(results[theirs], av.FFmpegError)


async def test_recorder_logs_a_track_that_gives_no_frames(tmp_path, caplog):
    class Words(compat.MediaStreamTrack):
        kind = "video"

        async def recv(self):
            await asyncio.sleep(0.01)
            return "not a frame"

    recorder = ours.MediaRecorder(str(tmp_path / "words.mp4"))
    recorder.addTrack(Words())
    with caplog.at_level(logging.ERROR, logger="aiortc.contrib.media"):
        await recorder.start()
        await asyncio.sleep(0.1)
        await recorder.stop()
    assert "stopped recording the video track" in caplog.text
    assert "Only audio or video frames can be recorded" in caplog.text


# ---- bad input: the same errors as aiortc's ----

def raised(factory):
    try:
        factory()
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        return exc
    return None


@pytest.mark.parametrize("case", ["missing", "empty", "garbage", "bad-format", "not-seekable",
                                  "directory"])
def test_bad_input_raises_what_aiortc_raises(tmp_path, media_files, case):
    path = tmp_path / "input.mp4"
    kwargs = {}
    if case == "empty":
        path.write_bytes(b"")
    elif case == "garbage":
        path.write_bytes(bytes(range(256)) * 40)
    elif case == "bad-format":
        path = media_files["webm"]
        kwargs = {"format": "no-such-format"}
    elif case == "not-seekable":
        # A raw H.264 elementary stream has no duration: loop=True refuses it.
        path = tmp_path / "raw.h264"
        with av.open(str(media_files["mp4"])) as source, \
                av.open(str(path), "w", format="h264") as sink:
            stream = sink.add_stream_from_template(source.streams.video[0])
            for packet in source.demux(source.streams.video[0]):
                if packet.size:
                    packet.stream = stream
                    sink.mux(packet)
        kwargs = {"loop": True}
    elif case == "directory":
        path = tmp_path
    mine = raised(lambda: ours.MediaPlayer(str(path), **kwargs))
    reference = raised(lambda: theirs.MediaPlayer(str(path), **kwargs))
    assert reference is not None and mine is not None
    assert type(mine) is type(reference) and str(mine) == str(reference)
    if case == "missing":
        assert isinstance(mine, FileNotFoundError)


def test_a_file_without_audio_or_video_gives_no_tracks(tmp_path):
    path = tmp_path / "captions.vtt"
    path.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n")
    reference = theirs.MediaPlayer(str(path))
    player = ours.MediaPlayer(str(path))
    assert (reference.audio, reference.video) == (None, None)
    assert (player.audio, player.video) == (None, None)


async def test_a_truncated_file_plays_what_it_has_then_ends(tmp_path, media_files):
    data = media_files["webm"].read_bytes()
    path = tmp_path / "cut.webm"
    path.write_bytes(data[: len(data) // 2])
    player = ours.MediaPlayer(str(path))
    frames = await read_all(player.video, time.monotonic() + SECONDS + 3)
    assert 0.3 * SECONDS * FPS < len(frames) < 0.8 * SECONDS * FPS
    assert player.video.readyState == "ended"
    assert_pattern(frames[-1][1].to_ndarray(format="rgb24"))
    player.audio.stop()


def test_recorder_bad_output_raises_what_aiortc_raises(tmp_path):
    for target, kwargs in [(tmp_path / "missing" / "out.mp4", {}),
                           (tmp_path / "out.mp4", {"format": "no-such-format"})]:
        mine = raised(lambda: ours.MediaRecorder(str(target), **kwargs))
        reference = raised(lambda: theirs.MediaRecorder(str(target), **kwargs))
        assert type(mine) is type(reference) and str(mine) == str(reference)
