"""aiortc.contrib.media: play a file into tracks, record tracks into a file, relay one track to
several consumers, or discard a track.

Written for this package on its own track classes and PyAV, following aiortc 1.16's
behaviour:

- :class:`MediaPlayer` reads a file or URL on one thread and gives an ``audio`` and a
  ``video`` track. Audio comes as s16 stereo 48 kHz frames of 960 samples, video with pts
  from 0, both paced to real time by the tracks themselves (except for live devices).
- :class:`MediaRecorder` encodes tracks into a file, the codec chosen by the container.
- :class:`MediaRelay` reads a track once and hands each frame to every subscriber.
- :class:`MediaBlackhole` consumes tracks and throws their frames away.

Where this module differs from aiortc's, on purpose:

- ``decode=False`` decodes anyway: this engine encodes what it sends itself and takes no
  encoded packets, so the tracks give frames, for every audio and video codec PyAV decodes.
- With ``loop=True`` the timestamps keep counting across the loop (aiortc restarts video
  at 0, which its pacing then plays at full speed).
- The player's tracks share one clock, so a track first read late stays in sync; what the
  reader thread holds is bounded: a track being read makes the thread wait once it is 1.5 s
  behind, a track nobody reads yet keeps only its last 1.5 s.
- The recorder encodes on a thread of its own (aiortc encodes on the event loop), so a slow
  encoder holds up neither the loop nor the tracks; ``stop()`` waits for what is queued.
  It drops a video frame whose time falls in the slot of the previous one, where aiortc's
  muxer fails and the recording ends.
- A :class:`RelayStreamTrack` of a track received on one of our connections, added to
  another connection, is forwarded by libwebrtc with no Python per frame, as the received
  track itself would be.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import queue
import threading
import time
from collections import deque
from fractions import Fraction
from typing import Any

import av
from av import AudioFrame, VideoFrame  # aiortc re-exports PyAV's frames here

from ...remotestreamtrack import RemoteStreamTrack
from ..mediastreams import AUDIO_PTIME, MediaStreamError, MediaStreamTrack

logger = logging.getLogger("aiortc.contrib.media")

# FFmpeg input formats that capture live: they deliver at their own pace, so the player
# neither reads ahead of real time nor paces its tracks.
REAL_TIME_FORMATS = [
    "alsa", "android_camera", "avfoundation", "bktr", "decklink", "dshow", "fbdev",
    "gdigrab", "iec61883", "jack", "kmsgrab", "openal", "oss", "pulse", "sndio", "rtsp",
    "v4l2", "vfwcap", "x11grab",
]

AUDIO_RATE = 48000
AUDIO_SAMPLES = int(AUDIO_RATE * AUDIO_PTIME)  # 960: 20 ms, what aiortc's player gives
AUDIO_TIME_BASE = Fraction(1, AUDIO_RATE)
# How far the reader thread decodes ahead of the player's clock.
READ_AHEAD = 1.0
# Seconds of frames a track's queue holds: the reader waits for a track that is being
# read, and drops the oldest frames of one that is not read (yet).
QUEUE_SECONDS = 1.5
# The recorder's video streams are timed in frames of 1/30 s, as aiortc's.
RECORD_VIDEO_RATE = 30

_END = object()  # the reader's last word to a track: the file has ended


# ---------------------------------------------------------------------------------------
# MediaBlackhole


class MediaBlackhole:
    """Consumes tracks and discards their media (for a track that must be read to flow)."""

    def __init__(self) -> None:
        self.__tracks: dict[MediaStreamTrack, asyncio.Future | None] = {}

    def addTrack(self, track: MediaStreamTrack) -> None:
        """Add a track whose media is to be discarded."""
        self.__tracks.setdefault(track, None)

    async def start(self) -> None:
        """Start reading (and discarding) every added track."""
        for track, task in self.__tracks.items():
            if task is None:
                self.__tracks[track] = asyncio.ensure_future(_consume(track))

    async def stop(self) -> None:
        """Stop reading; the tracks themselves go on."""
        for task in self.__tracks.values():
            if task is not None:
                task.cancel()
        self.__tracks = {}


async def _consume(track: MediaStreamTrack) -> None:
    while True:
        try:
            await track.recv()
        except MediaStreamError:
            return


# ---------------------------------------------------------------------------------------
# MediaPlayer


class PlayerStreamTrack(MediaStreamTrack):
    """One track of a :class:`MediaPlayer`: frames from its reader thread, paced to the
    player's clock."""

    def __init__(self, player: MediaPlayer, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._player: MediaPlayer | None = player
        self._frames: deque = deque()  # touched on the event loop only
        self._arrived = asyncio.Event()
        self._at_end = False  # the reader has delivered its last frame
        self._reading = False  # recv() has been called: the reader waits for this track
        # Media times (seconds) of the newest frame the reader posted and of the newest one
        # recv() took: the reader thread compares them (each written by one thread).
        self._posted_time = 0.0
        self._taken_time = 0.0

    async def recv(self) -> AudioFrame | VideoFrame:
        """The next frame, at its time. Raises :class:`MediaStreamError` at the end."""
        if self.readyState != "live":
            raise MediaStreamError
        player = self._player
        assert player is not None
        player._start(self)
        while not self._frames:
            if self._at_end:
                self.stop()
                raise MediaStreamError
            self._arrived.clear()
            await self._arrived.wait()
            if self.readyState != "live":
                raise MediaStreamError
        frame = self._frames.popleft()
        frame_time = frame.time
        self._taken_time = frame_time
        if player._throttle_playback:
            delay = player._clock_origin + frame_time - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        return frame

    def stop(self) -> None:
        super().stop()
        self._frames.clear()
        self._arrived.set()  # a recv() waiting for a frame sees the end
        player, self._player = self._player, None
        if player is not None:
            player._stop(self)

    # ---- from the reader thread, through the event loop ----

    def _deliver(self, item: Any) -> None:
        if self.readyState != "live":
            return
        if item is _END:
            self._at_end = True
        else:
            frames = self._frames
            frames.append(item)
            if not self._reading:
                # Nobody reads this track (yet): keep its most recent frames only.
                while frames[-1].time - frames[0].time > QUEUE_SECONDS:
                    frames.popleft()
        self._arrived.set()


class MediaPlayer:
    """A source of audio and video tracks read from a file, a URL or a capture device.

    :param file: a path, a URL or a file-like object.
    :param format: the FFmpeg input format (found from the file when None).
    :param options: FFmpeg options (strings) for opening the input.
    :param timeout: open and read timeout in seconds, passed to FFmpeg.
    :param loop: start again at the end, forever (the file must be seekable).
    :param decode: False asks aiortc for encoded packets; this engine encodes what it sends
        itself, so the tracks give decoded frames either way.
    """

    def __init__(self, file: Any, format: str | None = None,
                 options: dict[str, str] | None = None, timeout: int | None = None,
                 loop: bool = False, decode: bool = True) -> None:
        container = av.open(file=file, format=format, mode="r", options=options,
                            timeout=timeout)
        self._name = container.name
        if loop and container.duration is None:
            container.close()
            raise AssertionError("The `loop` argument requires a seekable file")
        self._container: Any = container
        self._streams: list[Any] = []
        self._audio: PlayerStreamTrack | None = None
        self._video: PlayerStreamTrack | None = None
        for stream in container.streams:
            if stream.type == "audio" and self._audio is None:
                self._audio = PlayerStreamTrack(self, "audio")
                self._streams.append(stream)
            elif stream.type == "video" and self._video is None:
                self._video = PlayerStreamTrack(self, "video")
                self._streams.append(stream)
        if not decode and self._streams:
            self._log_debug("decode=False: the engine encodes frames itself, so the player "
                            "decodes and its tracks give frames")
        self._throttle_playback = not set(container.format.name.split(",")) & set(
            REAL_TIME_FORMATS)
        self._loop_playback = loop
        self._reader: _Reader | None = None
        self._ended = False  # the reader reached the end (or failed): no restart
        self._clock_origin = 0.0  # time.monotonic() of media time 0
        self._timeline = _Timeline()

    @property
    def audio(self) -> PlayerStreamTrack | None:
        """The audio track, if the input has audio."""
        return self._audio

    @property
    def video(self) -> PlayerStreamTrack | None:
        """The video track, if the input has video."""
        return self._video

    def _tracks(self) -> list[PlayerStreamTrack]:
        return [track for track in (self._audio, self._video) if track is not None]

    def _start(self, track: PlayerStreamTrack) -> None:
        """`track` is being read: start the reader thread if it is not running."""
        track._reading = True
        if self._reader is not None or self._ended or self._container is None:
            return
        # The clock goes on from where the reader left off (0 the first time).
        self._clock_origin = time.monotonic() - self._timeline.resume_time
        self._log_debug("Starting worker thread")
        self._reader = _Reader(self, asyncio.get_running_loop())
        self._reader.start()

    def _stop(self, track: PlayerStreamTrack) -> None:
        """`track` has ended: stop the reader once no track is being read, and close the
        input once every track has ended."""
        track._reading = False
        tracks = self._tracks()
        if self._reader is not None and not any(
                t._reading and t.readyState == "live" for t in tracks):
            self._log_debug("Stopping worker thread")
            self._reader.quit.set()
            self._reader.join()
            self._reader = None
        if self._container is not None and all(t.readyState == "ended" for t in tracks):
            self._container.close()
            self._container = None

    def _log_debug(self, message: str, *args: object) -> None:
        logger.debug(f"MediaPlayer(%s) {message}", self._name, *args)


class _Timeline:
    """Timestamps of what the player gives: audio counted in samples at 48 kHz from 0, video
    shifted to start at 0, and both going on across a loop."""

    def __init__(self) -> None:
        self.audio_samples = 0
        self.video_first_pts: int | None = None
        self.offset = 0.0  # seconds added to the video by the passes already played
        self.pass_end = 0.0  # where the current pass ends on the timeline, in seconds
        self.pass_frames = 0
        self.resume_time = 0.0  # the newest frame's time: where the clock resumes

    def audio(self, frame: AudioFrame) -> None:
        frame.pts = self.audio_samples
        frame.time_base = AUDIO_TIME_BASE
        self.audio_samples += frame.samples
        self._advance(frame.time, self.audio_samples / AUDIO_RATE)

    def video(self, frame: VideoFrame, previous: VideoFrame | None) -> None:
        time_base = frame.time_base
        if self.video_first_pts is None:
            self.video_first_pts = frame.pts
        frame.pts = frame.pts - self.video_first_pts + round(self.offset / time_base)
        if getattr(frame, "duration", None):  # PyAV 13 and later
            duration = float(frame.duration * time_base)
        elif previous is not None and previous.time_base == time_base:
            duration = float((frame.pts - previous.pts) * time_base)
        else:
            duration = 1 / 30
        start = frame.time
        self._advance(start, start + max(duration, 0.0))

    def _advance(self, start: float, end: float) -> None:
        self.pass_frames += 1
        self.pass_end = max(self.pass_end, end)
        self.resume_time = max(self.resume_time, start)

    def rewind(self) -> bool:
        """The input starts again: the next pass begins where this one ended. False if this
        pass gave nothing (looping would spin)."""
        if not self.pass_frames:
            return False
        self.offset = self.pass_end
        self.audio_samples = max(self.audio_samples, round(self.offset * AUDIO_RATE))
        self.pass_frames = 0
        return True


class _Reader(threading.Thread):
    """The player's thread: demuxes and decodes, retimes the frames and posts them to the
    tracks on the event loop, no more than READ_AHEAD ahead of the player's clock."""

    def __init__(self, player: MediaPlayer, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(name="media-player", daemon=True)
        self.player = player
        self.loop = loop
        self.quit = threading.Event()
        self.resampler = av.AudioResampler(format="s16", layout="stereo", rate=AUDIO_RATE,
                                           frame_size=AUDIO_SAMPLES)
        self.previous_video: VideoFrame | None = None

    def run(self) -> None:
        player = self.player
        try:
            finished = self._read()
        except Exception:
            logger.warning("MediaPlayer(%s) reading failed; the tracks end", player._name,
                           exc_info=True)
            finished = True
        if finished:
            player._ended = True
            for track in player._tracks():
                self._post(track, _END)

    def _read(self) -> bool:
        """Read until the end (True) or until asked to quit (False)."""
        player = self.player
        container = player._container
        streams = player._streams
        packets = container.demux(*streams)
        while not self.quit.is_set():
            try:
                packet = next(packets)
            except StopIteration:
                if not player._loop_playback or not player._timeline.rewind():
                    return True
                container.seek(0)
                self.previous_video = None
                packets = container.demux(*streams)
                continue
            except av.FFmpegError as exc:
                if exc.errno != errno.EAGAIN:  # a live device with nothing yet
                    raise
                time.sleep(0.01)
                packets = container.demux(*streams)
                continue
            try:
                frames = packet.decode()
            except av.FFmpegError as exc:
                player._log_debug("skipping a packet that does not decode: %s", exc)
                continue
            for frame in frames:
                self._take(frame)
        return False

    def _take(self, frame: Any) -> None:
        player = self.player
        timeline = player._timeline
        if isinstance(frame, AudioFrame):
            track = player._audio
            if track is None:
                return
            for out in self.resampler.resample(frame):
                timeline.audio(out)
                self._send(track, out)
        elif isinstance(frame, VideoFrame):
            track = player._video
            if track is None:
                return
            if frame.pts is None:
                player._log_debug("skipping a video frame with no pts")
                return
            timeline.video(frame, self.previous_video)
            self.previous_video = frame
            self._send(track, frame)

    def _send(self, track: PlayerStreamTrack, frame: Any) -> None:
        frame_time = frame.time
        track._posted_time = frame_time
        self._post(track, frame)
        player = self.player
        # Wait while this frame is too far ahead of the clock, or while a track being read
        # has fallen QUEUE_SECONDS behind what it was given (lossless, bounded memory).
        while not self.quit.is_set():
            ahead = (player._throttle_playback and frame_time
                     > time.monotonic() - player._clock_origin + READ_AHEAD)
            behind = any(t._reading and t.readyState == "live"
                         and t._posted_time - t._taken_time > QUEUE_SECONDS
                         for t in player._tracks())
            if not (ahead or behind):
                return
            time.sleep(0.01)

    def _post(self, track: PlayerStreamTrack, item: Any) -> None:
        try:
            self.loop.call_soon_threadsafe(track._deliver, item)
        except RuntimeError:  # the event loop is closed: nobody is left to read
            self.quit.set()


# ---------------------------------------------------------------------------------------
# MediaRecorder


class MediaRecorderContext:
    """What the recorder keeps for one track: its output stream and reading task."""

    def __init__(self, stream: Any) -> None:
        self.started = False
        self.stream = stream
        self.task: asyncio.Task | None = None
        self.last_pts: int | None = None  # video: the last pts handed over, in 1/30 s


class MediaRecorder:
    """A sink that encodes tracks into a file (or an image sequence, or a device).

    The codec follows the container as in aiortc: audio is pcm_s16le in wav (and alsa,
    pulse), mp3 in mp3, Opus in ogg, opus and webm, AAC elsewhere; video is png images for
    image2, VP8 in webm, H.264 elsewhere, at the size of the first frame.

    Encoding runs on a thread of its own, so a slow encoder neither holds up the event loop
    nor makes the tracks drop frames; ``stop()`` waits for what is still being encoded.

    :param file: a path (``frame-%3d.png`` for images) or a file-like object.
    :param format: the FFmpeg output format (found from the name when None).
    :param options: FFmpeg options (strings) for the output.
    """

    def __init__(self, file: Any, format: str | None = None,
                 options: dict[str, str] | None = None) -> None:
        self.__container: Any = av.open(file=file, format=format, mode="w", options=options)
        self.__tracks: dict[MediaStreamTrack, MediaRecorderContext] = {}
        self.__encoder: _Encoder | None = None

    def addTrack(self, track: MediaStreamTrack) -> None:
        """Add a track to record."""
        container = self.__container
        format_name = container.format.name
        if track.kind == "audio":
            if format_name in ("wav", "alsa", "pulse"):
                codec = "pcm_s16le"
            elif format_name == "mp3":
                codec = "mp3"
            elif format_name in ("ogg", "opus", "webm"):
                codec = "libopus"
            else:
                codec = "aac"
            stream = container.add_stream(codec)
        else:
            if format_name == "image2":
                codec, pixel_format = "png", "rgb24"
            elif format_name == "webm":
                codec, pixel_format = "libvpx", "yuv420p"
            else:
                codec, pixel_format = "libx264", "yuv420p"
            stream = container.add_stream(codec, rate=RECORD_VIDEO_RATE)
            stream.pix_fmt = pixel_format
        self.__tracks[track] = MediaRecorderContext(stream)

    async def start(self) -> None:
        """Start recording every added track."""
        if self.__container is None:
            return
        if self.__encoder is None:
            self.__encoder = _Encoder(self.__container)
            self.__encoder.start()
        for track, context in self.__tracks.items():
            if context.task is None:
                context.task = asyncio.ensure_future(self.__record(track, context))

    async def stop(self) -> None:
        """Stop recording: encode what is left, flush the encoders and close the file."""
        container, self.__container = self.__container, None
        if container is None:
            return
        contexts = list(self.__tracks.values())
        self.__tracks = {}
        for context in contexts:
            if context.task is not None:
                context.task.cancel()
                context.task = None
        encoder, self.__encoder = self.__encoder, None
        if encoder is None:
            container.close()
            return
        encoder.jobs.put(_END)
        await asyncio.get_running_loop().run_in_executor(None, encoder.join)
        if encoder.error is not None:
            raise encoder.error

    async def __record(self, track: MediaStreamTrack, context: MediaRecorderContext) -> None:
        encoder = self.__encoder
        assert encoder is not None
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            try:
                frame = _pyav_frame(frame)
            except AssertionError:
                logger.error("MediaRecorder(%s) stopped recording the %s track %s",
                             encoder.file_name, track.kind, track.id, exc_info=True)
                return
            if isinstance(frame, VideoFrame) and not self.__retime(context, frame):
                continue
            encoder.put(context, frame)

    @staticmethod
    def __retime(context: MediaRecorderContext, frame: VideoFrame) -> bool:
        """Time a video frame in the stream's 1/30 s, done here (not by PyAV on the encoding
        thread) because the frame may be shared. False for a frame in the slot of the
        previous one: the muxer would fail on it."""
        if frame.pts is not None and frame.time_base is not None:
            pts = round(frame.time * RECORD_VIDEO_RATE)
        else:
            pts = 0 if context.last_pts is None else context.last_pts + 1
        if context.last_pts is not None and pts <= context.last_pts:
            return False
        if context.last_pts is None:
            context.stream.width = frame.width  # the size of the first frame
            context.stream.height = frame.height
        context.last_pts = pts
        frame.pts = pts
        frame.time_base = Fraction(1, RECORD_VIDEO_RATE)
        return True


# Bytes of frames waiting for the encoder beyond which new frames are dropped: an encoder
# slower than real time must not eat all memory (200 MB: a minute of 320x240, 2 s of 1080p).
RECORD_BACKLOG_BYTES = 200 * 1024 * 1024


class _Encoder(threading.Thread):
    """The recorder's thread: encodes and muxes frames in the order they came, then flushes
    the encoders and closes the file."""

    def __init__(self, container: Any) -> None:
        super().__init__(name="media-recorder", daemon=True)
        self.container = container
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.queued_bytes = 0  # written on the event loop
        self.done_bytes = 0  # written on this thread
        self.dropped = 0
        self.error: BaseException | None = None
        self._failed: set[MediaRecorderContext] = set()
        self._opened: list[MediaRecorderContext] = []

    @property
    def file_name(self) -> str:
        return self.container.name

    def put(self, context: MediaRecorderContext, frame: Any) -> None:
        size = sum(plane.buffer_size for plane in frame.planes)
        if self.queued_bytes - self.done_bytes > RECORD_BACKLOG_BYTES:
            if not self.dropped:
                logger.warning("MediaRecorder(%s) encoding is slower than the tracks: "
                               "dropping frames", self.file_name)
            self.dropped += 1
            return
        self.queued_bytes += size
        self.jobs.put((context, frame, size))

    def run(self) -> None:
        while True:
            job = self.jobs.get()
            if job is _END:
                break
            context, frame, size = job
            try:
                if context not in self._failed:
                    if not context.started:
                        context.started = True
                        self._opened.append(context)
                    self._mux(context.stream.encode(frame))
            except Exception:
                logger.error("MediaRecorder(%s) stopped recording a %s stream",
                             self.file_name, context.stream.type, exc_info=True)
                self._failed.add(context)
            finally:
                self.done_bytes += size
        try:
            for context in self._opened:
                if context not in self._failed:
                    self._mux(context.stream.encode(None))
        except Exception as exc:
            self.error = exc
        finally:
            try:
                self.container.close()
            except Exception as exc:
                self.error = self.error or exc

    def _mux(self, packets: Any) -> None:
        for packet in packets:
            self.container.mux(packet)


def _pyav_frame(frame: Any) -> AudioFrame | VideoFrame:
    """A PyAV frame for `frame`: itself, or the copy our received frames make."""
    to_av = getattr(frame, "to_av", None)
    if callable(to_av) and not isinstance(frame, (AudioFrame, VideoFrame)):
        frame = to_av()
    if not isinstance(frame, (AudioFrame, VideoFrame)):
        raise AssertionError("Only audio or video frames can be recorded")
    return frame


# ---------------------------------------------------------------------------------------
# MediaRelay


class RelayStreamTrack(MediaStreamTrack):
    """One subscriber's view of a track relayed by a :class:`MediaRelay`."""

    def __init__(self, relay: MediaRelay, source: MediaStreamTrack, buffered: bool) -> None:
        super().__init__()
        self.kind = source.kind
        self._relay: MediaRelay | None = relay
        self._source: MediaStreamTrack | None = source
        self._buffered = buffered
        self._registered = False  # the relay delivers to it (from its first recv() on)
        self._frames: deque = deque()  # buffered: every frame; unbuffered: the newest only
        self._arrived = asyncio.Event()

    @property
    def _received_track(self) -> RemoteStreamTrack | None:
        """The track received on one of our connections that this proxy passes on
        unchanged, if it relays one: a sender forwards that one natively."""
        source = self._source
        if isinstance(source, RemoteStreamTrack):
            return source
        return getattr(source, "_received_track", None) if source is not None else None

    async def recv(self) -> Any:
        """The next frame of the source (buffered), or the newest one not yet returned."""
        if self.readyState != "live":
            raise MediaStreamError
        if self._relay is not None:
            self._relay._start(self)
        while not self._frames:
            self._arrived.clear()
            await self._arrived.wait()
            if self.readyState != "live":
                raise MediaStreamError
        frame = self._frames.popleft()
        if frame is _END:
            self.stop()
            raise MediaStreamError
        return frame

    def stop(self) -> None:
        super().stop()
        self._arrived.set()
        relay, self._relay = self._relay, None
        if relay is not None:
            relay._stop(self)
        self._source = None

    def _deliver(self, frame: Any) -> None:
        if not self._buffered and frame is not _END:
            self._frames.clear()
        self._frames.append(frame)
        self._arrived.set()


class MediaRelay:
    """Relays a track to several consumers: ``subscribe()`` gives each its own proxy track,
    and the source is read once for all of them.

    A buffered proxy gets every frame, in order, however slowly it reads (the others do
    not wait for it); an unbuffered one gets the newest frame it has not seen yet."""

    def __init__(self) -> None:
        self.__proxies: dict[MediaStreamTrack, set[RelayStreamTrack]] = {}
        self.__tasks: dict[MediaStreamTrack, asyncio.Task] = {}

    def subscribe(self, track: MediaStreamTrack, buffered: bool = True) -> MediaStreamTrack:
        """A new proxy of `track`; it receives frames from its first ``recv()`` on."""
        proxy = RelayStreamTrack(self, track, buffered)
        self.__log_debug("Create proxy %s for source %s", id(proxy), id(track))
        self.__proxies.setdefault(track, set())
        return proxy

    def _start(self, proxy: RelayStreamTrack) -> None:
        source = proxy._source
        if proxy._registered or source is None:
            return  # it gets frames already (or drains what it holds after the end)
        proxy._registered = True
        self.__log_debug("Start proxy %s", id(proxy))
        self.__proxies.setdefault(source, set()).add(proxy)
        if source not in self.__tasks:
            self.__tasks[source] = asyncio.ensure_future(self.__read(source))

    def _stop(self, proxy: RelayStreamTrack) -> None:
        proxies = self.__proxies.get(proxy._source) if proxy._source is not None else None
        if proxies is not None and proxy in proxies:
            self.__log_debug("Stop proxy %s", id(proxy))
            proxies.discard(proxy)

    async def __read(self, source: MediaStreamTrack) -> None:
        self.__log_debug("Start reading source %s", id(source))
        try:
            while True:
                try:
                    frame = await source.recv()
                except MediaStreamError:
                    frame = _END
                except Exception:
                    logger.warning("MediaRelay(%s) the source %s failed; its proxies end",
                                   id(self), id(source), exc_info=True)
                    frame = _END
                for proxy in list(self.__proxies.get(source, ())):
                    proxy._deliver(frame)
                if frame is _END:
                    break
        finally:
            self.__log_debug("Stop reading source %s", id(source))
            self.__proxies.pop(source, None)
            self.__tasks.pop(source, None)

    def __log_debug(self, message: str, *args: object) -> None:
        logger.debug(f"MediaRelay(%s) {message}", id(self), *args)


__all__ = [
    "AudioFrame",
    "MediaBlackhole",
    "MediaPlayer",
    "MediaRecorder",
    "MediaRecorderContext",
    "MediaRelay",
    "PlayerStreamTrack",
    "RelayStreamTrack",
    "VideoFrame",
]
