"""What real aiortc client code relies on beyond aiortc's documented API (issue 10), over
real loopback connections to real aiortc.

Where it makes sense, each test runs with the real aiortc on both sides too ("aiortc"), to
show that the behaviour pinned here is aiortc's own, and then with webrtc.aiortc_compat as
the side under test ("compat")."""

from __future__ import annotations

import asyncio
import importlib
import threading
import time
from fractions import Fraction

import aiortc
import aiortc.sdp
import av
import numpy as np
import pytest

from webrtc import aiortc_compat as compat
from conftest import connect_full, wait_for
from media_sources import QUADRANTS, QuadrantTrack, ToneTrack, dominant_frequency, quadrant_centers, quadrant_picture
from send_sources import quadrant_track, tone_track

SIDES = [pytest.param(aiortc, id="aiortc"), pytest.param(compat, id="compat")]


def new_pc(module, closing=None):
    pc = module.RTCPeerConnection(module.RTCConfiguration(iceServers=[]))
    if closing is not None:
        closing(pc)
    return pc


def submodule(module, name: str):
    """`module`.`name` (aiortc.rtcrtpreceiver or webrtc.aiortc_compat.rtcrtpreceiver)."""
    return importlib.import_module(f"{module.__name__}.{name}")


def channels_of(frame) -> int:
    return frame.to_ndarray().size // frame.samples


async def left_channel(track, seconds: float, timeout: float = 15.0) -> tuple[np.ndarray, int, float]:
    """`seconds` of a received audio track's first channel, its rate, and the wall time the
    frames took to arrive (from the first to the last)."""
    chunks: list[np.ndarray] = []
    rate = 0
    first = last = time.monotonic()
    deadline = first + timeout
    while sum(map(len, chunks)) < seconds * (rate or 48000):
        assert time.monotonic() < deadline, "audio stopped arriving"
        frame = await asyncio.wait_for(track.recv(), 5)
        rate = frame.sample_rate
        chunks.append(frame.to_ndarray().reshape(-1, channels_of(frame))[:, 0])
        last = time.monotonic()
        if len(chunks) == 1:
            first = last
    return np.concatenate(chunks), rate, last - first


def assert_quadrants(rgb: np.ndarray, tolerance: int = 25) -> None:
    height, width = rgb.shape[:2]
    for (row, column), expected in zip(quadrant_centers(width, height), QUADRANTS, strict=True):
        got = rgb[row, column].astype(int)
        assert np.all(np.abs(got - expected) <= tolerance), (row, column, got, expected)


async def assert_tone(track, frequency: float = 440.0) -> None:
    """A second of `track` past its start-up holds a loud tone of `frequency`."""
    audio, rate, _ = await left_channel(track, 1.5)
    audio = audio[rate // 2:]
    assert np.abs(audio).max() > 2000
    assert abs(dominant_frequency(audio.astype(float), rate) - frequency) < 10


def kind_after_init_video(module):
    """A video track whose class does not say its kind: __init__ sets self.kind after the
    base class's __init__ (as some client code does). Paced to 30 fps by its own sleep."""

    class LateKindVideo(module.MediaStreamTrack):
        def __init__(self) -> None:
            super().__init__()
            self.kind = "video"
            self._picture = quadrant_picture(320, 240)
            self._count = 0
            self._start: float | None = None

        async def recv(self):
            if self._start is None:
                self._start = time.monotonic()
            delay = self._start + self._count / 30 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            frame = av.VideoFrame.from_ndarray(self._picture, format="rgb24")
            frame.pts, frame.time_base = self._count * 3000, Fraction(1, 90000)
            self._count += 1
            return frame

    return LateKindVideo()


def paced_tone(module, rate: int, frame_ms: int, layout: str, frequency: float = 440.0):
    """s16 frames of `frame_ms` at `rate`, mono or stereo, paced to real time by sleeping.
    Its kind, too, is set after the base class's __init__."""

    class Tone(module.MediaStreamTrack):
        def __init__(self) -> None:
            super().__init__()
            self.kind = "audio"
            self._sample = 0
            self._start: float | None = None
            self.frames = 0

        async def recv(self):
            if self._start is None:
                self._start = time.monotonic()
            delay = self._start + self._sample / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            count = rate * frame_ms // 1000
            t = np.arange(self._sample, self._sample + count) / rate
            wave = (8000 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)
            channels = 2 if layout == "stereo" else 1
            frame = av.AudioFrame.from_ndarray(np.repeat(wave, channels).reshape(1, -1),
                                               format="s16", layout=layout)
            frame.sample_rate, frame.pts, frame.time_base = rate, self._sample, Fraction(1, rate)
            self._sample += count
            self.frames += 1
            return frame

    return Tone()


def aiortc_offerer(closing, audio: bool = True, video: bool = True) -> aiortc.RTCPeerConnection:
    """An aiortc connection that sends a 440 Hz tone and the quadrant pattern (sendrecv)."""
    theirs = new_pc(aiortc, closing)
    if audio:
        theirs.addTrack(ToneTrack(440.0))
    if video:
        theirs.addTrack(QuadrantTrack(320, 240))
    return theirs


def without_candidates(sdp: str) -> tuple[str, list[str]]:
    """The SDP with its candidate lines taken out, and those lines' values (trickled
    separately, as signaling servers do)."""
    lines = sdp.splitlines()
    candidates = [line[len("a=candidate:"):] for line in lines if line.startswith("a=candidate:")]
    kept = [line for line in lines
            if not line.startswith("a=candidate:") and line != "a=end-of-candidates"]
    return "".join(line + "\r\n" for line in kept), candidates


def received_tracks(pc) -> dict:
    tracks: dict = {}
    pc.on("track", lambda track: tracks.__setitem__(track.kind, track))
    return tracks


# ---- tracks ----


@pytest.mark.parametrize("module", SIDES)
async def test_track_that_sets_its_kind_after_init_is_sent(closing, module):
    ours = new_pc(module, closing)
    sender = ours.addTrack(kind_after_init_video(module))
    assert sender.kind == "video"
    theirs = new_pc(aiortc, closing)
    received = received_tracks(theirs)
    await connect_full(ours, theirs)
    frames = [await asyncio.wait_for(received["video"].recv(), 10) for _ in range(10)]
    assert (frames[-1].width, frames[-1].height) == (320, 240)
    assert_quadrants(frames[-1].to_ndarray(format="rgb24"))


@pytest.mark.parametrize("module", SIDES)
def test_connection_and_tracks_built_before_any_event_loop_runs(module):
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    # Built at import time of a program, before asyncio.run(): no loop exists yet.
    ours = new_pc(module)
    silence, green = module.AudioStreamTrack(), module.VideoStreamTrack()
    late = kind_after_init_video(module)
    assert (silence.kind, green.kind, late.kind) == ("audio", "video", "video")

    def add_media():
        ours.addTrack(silence)
        ours.addTrack(late)
        return ours.createDataChannel("early")

    # aiortc's senders take the current loop when made (a loop asyncio.run() would not use),
    # so with aiortc this part waits for the loop; ours binds on first use.
    early = add_media() if module is compat else None

    async def main():
        nonlocal early
        early = early or add_media()
        theirs = new_pc(aiortc)
        received = received_tracks(theirs)
        messages: asyncio.Queue = asyncio.Queue()
        theirs.on("datachannel", lambda channel: channel.on("message", messages.put_nowait))
        early.on("open", lambda: early.send("sent when open"))
        try:
            await asyncio.wait_for(connect_full(ours, theirs), 20)
            assert await asyncio.wait_for(messages.get(), 10) == "sent when open"
            frame = await asyncio.wait_for(received["video"].recv(), 10)
            audio = await asyncio.wait_for(received["audio"].recv(), 10)
            assert_quadrants(frame.to_ndarray(format="rgb24"))
            assert np.abs(audio.to_ndarray()).max() < 100  # AudioStreamTrack's silence
            # A green track built before the loop, sent in place of the pattern.
            ours.getSenders()[1].replaceTrack(green)
            await wait_for(lambda: green.readyState == "live", 1)
            for _ in range(60):
                frame = await asyncio.wait_for(received["video"].recv(), 10)
                if (frame.width, frame.height) == (640, 480):
                    break
            assert (frame.width, frame.height) == (640, 480)
            center = frame.to_ndarray(format="rgb24")[240, 320].astype(int)
            assert center[1] > 100 and center[0] < 60 and center[2] < 60, center  # green
        finally:
            await ours.close()
            await theirs.close()

    asyncio.run(asyncio.wait_for(main(), 60))


@pytest.mark.parametrize("module", SIDES)
async def test_listens_to_decorator_on_connection_and_track(closing, module):
    ours = new_pc(module, closing)
    mine = tone_track(module, 440.0)
    ours.addTrack(mine)
    events: list[tuple] = []

    @ours.listens_to("connectionstatechange")
    def on_state():
        events.append(("connectionState", ours.connectionState))

    @ours.listens_to("track")
    def on_track(track):
        events.append(("track", track.kind))

    @mine.listens_to("ended")
    def on_ended():
        events.append(("ended", mine.readyState))

    ours.addTransceiver("video", direction="recvonly")
    theirs = aiortc_offerer(closing, audio=False)  # answers, sending the pattern
    await connect_full(ours, theirs)
    await wait_for(lambda: ("connectionState", "connected") in events, 20, "connected")
    await asyncio.sleep(0.2)  # the sender pulls the track
    await ours.close()  # stops the tracks it sent: "ended"
    assert ("track", "video") in events
    assert ("ended", "ended") in events
    assert events[-1] == ("connectionState", "closed")


@pytest.mark.parametrize("module", SIDES)
async def test_stop_emits_ended_synchronously(closing, module):
    local = module.AudioStreamTrack()
    calls = []
    local.on("ended", lambda: calls.append(local.readyState))
    local.stop()
    assert calls == ["ended"]  # before stop() returned
    local.stop()
    assert calls == ["ended"]
    with pytest.raises(module.MediaStreamError):
        await local.recv()

    theirs = aiortc_offerer(closing, audio=False)
    ours = new_pc(module, closing)
    received = received_tracks(ours)
    await connect_full(theirs, ours)
    remote = received["video"]
    await asyncio.wait_for(remote.recv(), 10)
    remote_calls = []
    remote.on("ended", lambda: remote_calls.append(remote.readyState))
    remote.stop()
    assert remote_calls == ["ended"]
    with pytest.raises(module.MediaStreamError):
        await asyncio.wait_for(remote.recv(), 5)


# ---- negotiation ----


@pytest.mark.parametrize("module", SIDES)
async def test_exception_in_a_sync_track_handler_comes_out_of_setRemoteDescription(closing, module):
    theirs = aiortc_offerer(closing)
    await theirs.setLocalDescription(await theirs.createOffer())
    ours = new_pc(module, closing)
    loop = asyncio.get_running_loop()
    reported = []
    loop.set_exception_handler(lambda loop, context: reported.append(context))
    seen = []

    @ours.on("track")
    def on_track(track):
        seen.append(track.kind)
        raise RuntimeError(f"no {track.kind} here")

    try:
        with pytest.raises(RuntimeError, match="no audio here"):
            await ours.setRemoteDescription(theirs.localDescription)
        await asyncio.sleep(0.1)
    finally:
        loop.set_exception_handler(None)
    assert seen == ["audio"]  # the first handler's exception stops the announcements
    assert reported == []  # it reached the caller, not the loop's exception handler


@pytest.mark.parametrize("module", SIDES)
@pytest.mark.parametrize("when", ["in-track-handler", "after-setRemoteDescription"])
async def test_add_track_fills_the_offered_transceivers(closing, module, when):
    theirs = aiortc_offerer(closing)
    received = received_tracks(theirs)
    ours = new_pc(module, closing)
    mine = {"audio": tone_track(module, 440.0), "video": quadrant_track(module, 320, 240)}
    if when == "in-track-handler":
        ours.on("track", lambda track: ours.addTrack(mine[track.kind]))
    await theirs.setLocalDescription(await theirs.createOffer())
    await ours.setRemoteDescription(theirs.localDescription)
    if when == "after-setRemoteDescription":
        assert [(t.kind, t.direction) for t in ours.getTransceivers()] == [
            ("audio", "recvonly"), ("video", "recvonly")]
        ours.addTrack(mine["audio"])
        ours.addTrack(mine["video"])
    assert [(t.kind, t.direction, t.sender.track is mine[t.kind])
            for t in ours.getTransceivers()] == [("audio", "sendrecv", True),
                                                 ("video", "sendrecv", True)]
    await ours.setLocalDescription(await ours.createAnswer())
    assert ours.localDescription.sdp.count("a=sendrecv") == 2
    await theirs.setRemoteDescription(ours.localDescription)
    frames = [await asyncio.wait_for(received["video"].recv(), 10) for _ in range(5)]
    assert_quadrants(frames[-1].to_ndarray(format="rgb24"))
    await assert_tone(received["audio"])


@pytest.mark.parametrize("module", SIDES)
async def test_candidates_built_by_keyword_and_the_end_of_candidates(closing, module):
    theirs = new_pc(aiortc, closing)
    theirs_channel = theirs.createDataChannel("chat")
    await theirs.setLocalDescription(await theirs.createOffer())
    offer_sdp, lines = without_candidates(theirs.localDescription.sdp)
    signalled = [aiortc.sdp.candidate_from_sdp(line) for line in lines]
    assert signalled
    ours = new_pc(module, closing)
    channels: list = []
    ours.on("datachannel", channels.append)
    await ours.setRemoteDescription(module.RTCSessionDescription(sdp=offer_sdp, type="offer"))
    for c in signalled:
        await ours.addIceCandidate(module.RTCIceCandidate(
            component=c.component, foundation=c.foundation, ip=c.ip, port=c.port,
            priority=c.priority, protocol=c.protocol, type=c.type, sdpMid="0", sdpMLineIndex=0,
        ))
    await ours.addIceCandidate(None)  # the end of candidates
    await ours.setLocalDescription(await ours.createAnswer())
    await theirs.setRemoteDescription(ours.localDescription)
    await wait_for(lambda: ours.connectionState == "connected" and channels, 20, "connected")
    replies: list = []
    theirs_channel.on("message", replies.append)
    channels[0].send("over the signalled pair")
    await wait_for(lambda: replies == ["over the signalled pair"])
    ice = ours.sctp.transport.transport
    assert {(c.ip, c.port) for c in ice.getRemoteCandidates()} >= {(c.ip, c.port) for c in signalled}
    if module is compat:
        # libwebrtc took them: the pair in use goes to a signalled candidate, not to a
        # peer-reflexive one learnt from the remote side's checks.
        stats = await ours.getStats()
        (transport,) = [s for s in stats.values() if s.type == "transport"]
        remote = stats[stats[transport.selectedCandidatePairId].remoteCandidateId]
        assert remote.candidateType == "host"
        assert (remote.address, remote.port) in {(c.ip, c.port) for c in signalled}


@pytest.mark.parametrize("module", SIDES)
async def test_remove_all_listeners_leaves_the_connection_working(closing, module):
    ours = new_pc(module, closing)
    stale: list[str] = []
    for event in ("track", "datachannel", "connectionstatechange", "iceconnectionstatechange",
                  "icegatheringstatechange", "signalingstatechange"):
        ours.on(event, lambda *args, event=event: stale.append(event))
    ours.remove_all_listeners()
    states: list[str] = []
    ours.on("connectionstatechange", lambda: states.append(ours.connectionState))
    channels: list = []
    ours.on("datachannel", channels.append)
    theirs = aiortc_offerer(closing, audio=False)
    theirs_channel = theirs.createDataChannel("chat")
    await connect_full(theirs, ours)
    assert "a=candidate:" in ours.localDescription.sdp  # gathering still completed
    await wait_for(lambda: channels and theirs_channel.readyState == "open", 20, "channel open")
    channels[0].on("message", lambda message: channels[0].send(message.upper()))
    replies: list = []
    theirs_channel.on("message", replies.append)
    theirs_channel.send("ping")
    await wait_for(lambda: replies == ["PING"])
    assert stale == []
    assert states[-1] == "connected"


@pytest.mark.parametrize("module", SIDES)
async def test_calls_through_run_coroutine_threadsafe_from_another_thread(closing, module):
    """A signaling thread drives the connection, and a worker thread reads frames, each
    through asyncio.run_coroutine_threadsafe onto the loop; the connection is even built in
    the signaling thread, which has no loop."""
    loop = asyncio.get_running_loop()
    theirs = aiortc_offerer(closing, audio=False)
    await theirs.setLocalDescription(await theirs.createOffer())
    offer_sdp, lines = without_candidates(theirs.localDescription.sdp)

    def call(coroutine, timeout: float = 20):
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout)

    def signaling_thread():
        assert threading.current_thread() is not threading.main_thread()
        pc = new_pc(module)
        tracks: list = []
        pc.on("track", tracks.append)
        call(pc.setRemoteDescription(module.RTCSessionDescription(sdp=offer_sdp, type="offer")))
        sdp = submodule(module, "sdp")
        for line in lines:
            candidate = sdp.candidate_from_sdp(line)
            candidate.sdpMid, candidate.sdpMLineIndex = "0", 0
            call(pc.addIceCandidate(candidate))
        call(pc.setLocalDescription(call(pc.createAnswer())))
        return pc, tracks

    ours, tracks = await asyncio.to_thread(signaling_thread)
    closing(ours)
    assert [track.kind for track in tracks] == ["video"]
    await theirs.setRemoteDescription(ours.localDescription)

    def worker_thread():
        frames = [call(tracks[0].recv()) for _ in range(5)]
        stats = call(ours.getStats())
        call(ours.close())
        return frames, stats

    frames, stats = await asyncio.to_thread(worker_thread)
    assert_quadrants(frames[-1].to_ndarray(format="rgb24"))
    assert any(getattr(s, "type", None) == "inbound-rtp" for s in stats.values())
    assert ours.connectionState == "closed"


# ---- audio frame sizes ----


@pytest.mark.parametrize("receiver", SIDES)
@pytest.mark.parametrize("frame_ms,layout", [(10, "mono"), (20, "stereo")])
async def test_24khz_s16_frames_arrive_as_the_tone(closing, receiver, frame_ms, layout):
    track = paced_tone(compat, 24000, frame_ms, layout)
    ours = new_pc(compat, closing)
    ours.addTrack(track)
    theirs = new_pc(receiver, closing)
    received = received_tracks(theirs)
    await connect_full(ours, theirs)
    await left_channel(received["audio"], 0.5)  # past the start-up, reading all the while
    started, pulled_before = time.monotonic(), track.frames
    audio, rate, wall = await left_channel(received["audio"], 2.0)
    pulled = (track.frames - pulled_before) * frame_ms / 1000
    elapsed = time.monotonic() - started
    assert np.abs(audio).max() > 2000
    assert abs(dominant_frequency(audio.astype(float), rate) - 440) < 10
    # As fast as it is played, no faster: 2 s of audio over about 2 s.
    assert 0.85 < (len(audio) / rate) / wall < 1.15, (len(audio) / rate, wall)
    assert 0.85 < pulled / elapsed < 1.15, (pulled, elapsed)


# ---- receivers ----


async def received_track(closing, module, kind: str):
    """(receiver, track) of `kind` on a `module` connection that aiortc sends to."""
    theirs = aiortc_offerer(closing, audio=kind == "audio", video=kind == "video")
    ours = new_pc(module, closing)
    received = received_tracks(ours)
    await connect_full(theirs, ours)
    (transceiver,) = ours.getTransceivers()
    return transceiver.receiver, received[kind]


@pytest.mark.parametrize("module", SIDES)
async def test_remote_stream_track_queue_can_be_emptied(closing, module):
    """pipecat's discard_old_frames(): an isinstance check against RemoteStreamTrack, then
    its _queue emptied with get_nowait(); the next recv() returns a newer frame."""
    RemoteStreamTrack = submodule(module, "rtcrtpreceiver").RemoteStreamTrack
    _, video = await received_track(closing, module, "video")
    assert isinstance(video, RemoteStreamTrack)
    await asyncio.wait_for(video.recv(), 10)
    queue = video._queue
    assert isinstance(queue, asyncio.Queue)
    await wait_for(lambda: queue.qsize() >= 3, 5, "frames waiting")
    last = None
    while not queue.empty():
        last = queue.get_nowait()
        queue.task_done()
    assert last is not None and queue.qsize() == 0
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()
    newer = await asyncio.wait_for(video.recv(), 5)
    assert newer.pts > last.pts


@pytest.mark.parametrize("module", SIDES)
async def test_receiver_enabled_false_drops_what_arrives(closing, module):
    # Audio: aiortc's video receiver would NACK what it dropped, and get it all back.
    receiver, audio = await received_track(closing, module, "audio")
    assert receiver._enabled is True
    before = await asyncio.wait_for(audio.recv(), 10)
    receiver._enabled = False
    assert receiver._enabled is False
    waiting = audio._queue.qsize()
    await asyncio.sleep(0.6)
    assert audio._queue.qsize() <= waiting + 1  # nothing piles up
    receiver._enabled = True
    # What had arrived before may still come out (aiortc keeps it), then a jump: nothing
    # from the disabled 0.6 s.
    pts = [before.pts]
    for _ in range(waiting + 3):
        pts.append((await asyncio.wait_for(audio.recv(), 10)).pts)
    gaps = [(b - a) * before.time_base for a, b in zip(pts, pts[1:])]
    assert max(gaps) >= 0.5, pts
    assert all(gap > 0 for gap in gaps), pts


def test_remote_stream_track_is_made_by_the_connection():
    from webrtc.aiortc_compat.rtcrtpreceiver import RemoteStreamTrack

    with pytest.raises(TypeError, match="made by the RTCPeerConnection"):
        RemoteStreamTrack(kind="audio")
