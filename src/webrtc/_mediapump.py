"""Moves a sent track's frames from its ``recv()`` into the sender's native source.

One task per sending track pulls ``await track.recv()`` and hands each frame over without
a Python copy. It never pulls faster than real time, and it always gives the event loop a
turn between frames, even when ``recv()`` returned without suspending:

- audio: the native source plays 10 ms every 10 ms from a small buffer; the pump waits
  while the buffer holds more than ``AUDIO_HIGH_MS`` (a track that never sleeps is paced by
  the clock), so latency stays at a few tens of milliseconds;
- video: a frame is handed over at the time its ``pts`` says, counted from the first frame
  (a track that paces itself with ``next_timestamp()`` keeps its own timing); frames with
  no ``pts`` go at most 30 per second.
"""

from __future__ import annotations

import asyncio
import logging
from fractions import Fraction
from typing import Any

from .audioframe import AudioFrame
from .mediastreams import VIDEO_PTIME, MediaStreamError
from .videoframe import VideoFrame

# The sender's logger, unless the sender gives its own (the aiortc layer's is aiortc's).
logger = logging.getLogger("webrtc.rtcrtpsender")

# Queued audio above which the pump waits, and the level it waits for.
AUDIO_HIGH_MS = 60.0
AUDIO_LOW_MS = 40.0
# A video pts this far (seconds) from where the timeline expects it restarts the timeline.
VIDEO_REBASE_AFTER = 1.0

_PACKED_VIDEO = frozenset(("yuv420p", "nv12", "rgb24", "bgr24", "rgba", "bgra"))
_AUDIO_LAYOUTS = {1: "mono", 2: "stereo"}
# The sample rates a frame may have. Outside them FFmpeg's resampler builds huge filters
# (1.6 GB and 3 s for 1 Hz) or fails with ENOMEM (2**31 - 1 Hz); no real audio is there
# (AAC's lowest rate is 7350 Hz, DXD's highest 768 kHz).
MIN_SAMPLE_RATE = 1000
MAX_SAMPLE_RATE = 768000


def _native_rate(rate: int) -> bool:
    return 8000 <= rate <= 48000 and rate % 100 == 0


class AudioFeeder:
    """Pushes audio frames of any PyAV format, layout and rate into a native AudioSource."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self._resampler: Any = None
        self._resampler_key: tuple | None = None

    def push(self, frame: Any) -> None:
        if isinstance(frame, AudioFrame):
            native = frame._native
            self.source.push(native.to_ndarray(), native.sample_rate, native.channels)
            return
        import av

        if not isinstance(frame, av.AudioFrame):
            raise TypeError(
                f"an audio track's recv() must return an av.AudioFrame or a webrtc.AudioFrame "
                f"(got {type(frame).__name__})"
            )
        rate = frame.sample_rate
        if not rate:
            raise ValueError("the audio frame has no sample_rate")
        if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
            raise ValueError(f"the audio frame's sample_rate {rate} is out of range "
                             f"({MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE} Hz)")
        channels = len(frame.layout.channels)
        if frame.format.name == "s16" and channels in (1, 2) and _native_rate(rate):
            data = memoryview(frame.planes[0])[: frame.samples * channels * 2]
            self.source.push(data, rate, channels)
            return
        # Anything else goes through PyAV's resampler: s16, mono or stereo, a rate the
        # 10 ms clock can chunk.
        layout = "mono" if channels == 1 else "stereo"
        out_rate = rate if _native_rate(rate) else 48000
        key = (frame.format.name, frame.layout.name, rate)
        if self._resampler is None or key != self._resampler_key:
            self._resampler = av.AudioResampler(format="s16", layout=layout, rate=out_rate)
            self._resampler_key = key
        out_channels = 1 if layout == "mono" else 2
        for out in self._resampler.resample(frame):
            data = memoryview(out.planes[0])[: out.samples * out_channels * 2]
            self.source.push(data, out_rate, out_channels)


class VideoFeeder:
    """Pushes PyAV frames, our frames or numpy arrays into a native VideoSource."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def push(self, frame: Any, capture_time_us: int = -1) -> bool:
        """`capture_time_us`: when the frame is due, on time.monotonic()'s clock."""
        if isinstance(frame, VideoFrame):
            return self.source.push_frame(frame._native, capture_time_us)
        import numpy

        if isinstance(frame, numpy.ndarray):
            return self._push_array(frame, capture_time_us)
        import av

        if not isinstance(frame, av.VideoFrame):
            raise TypeError(
                "a video track's recv() must return an av.VideoFrame, a webrtc.VideoFrame or "
                f"a numpy array (got {type(frame).__name__})"
            )
        name = frame.format.name
        if name == "yuvj420p":
            name = "yuv420p"
        if name not in _PACKED_VIDEO:
            try:
                frame = frame.reformat(format="yuv420p")
            except av.FFmpegError as exc:
                # FFmpeg's scaler reads some formats not at all (rgbaf32le, say).
                raise ValueError(f"cannot convert a {name} video frame to yuv420p: {exc}") from exc
            name = "yuv420p"
        planes = frame.planes
        return self.source.push(
            name, frame.width, frame.height, planes, [plane.line_size for plane in planes],
            capture_time_us=capture_time_us,
        )

    def _push_array(self, array: Any, capture_time_us: int) -> bool:
        import numpy

        if array.dtype != numpy.uint8 or array.ndim != 3 or array.shape[2] not in (3, 4):
            raise ValueError(
                "a video array must be uint8 of shape (height, width, 3) for rgb24 or "
                f"(height, width, 4) for rgba (got {array.dtype} {array.shape})"
            )
        array = numpy.ascontiguousarray(array)
        height, width, depth = array.shape
        return self.source.push(
            "rgb24" if depth == 3 else "rgba", width, height, [array], [width * depth],
            capture_time_us=capture_time_us,
        )


def _frame_time(frame: Any) -> float | None:
    pts = getattr(frame, "pts", None)
    time_base = getattr(frame, "time_base", None)
    if pts is None or time_base is None:
        return None
    return float(pts * Fraction(time_base))


class MediaPump:
    """The task that feeds one track to one native source."""

    def __init__(self, track: Any, source: Any, log: logging.Logger | None = None) -> None:
        self.track = track
        self.source = source
        self._log = log or logger
        self.kind = track.kind
        self._feeder = AudioFeeder(source) if self.kind == "audio" else VideoFeeder(source)
        self._task: asyncio.Task | None = None
        self._origin: float | None = None  # loop time of video pts 0
        self._last_target: float | None = None
        self.frames = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def _run(self) -> None:
        track = self.track
        try:
            while track.readyState == "live":
                frame = await track.recv()
                if track.readyState != "live":
                    break
                if frame is None:
                    raise TypeError(f"the {self.kind} track's recv() returned None")
                if self.kind == "audio":
                    self._feeder.push(frame)
                    self.frames += 1
                    await self._pace_audio()
                else:
                    await self._pace_video(_frame_time(frame))
                    # Stamped with when its pts says it is due (the loop's clock is
                    # libwebrtc's), not with when this task got to push it.
                    self._feeder.push(frame, int(self._last_target * 1_000_000))
                    self.frames += 1
        except MediaStreamError:
            pass  # the track ended
        except asyncio.CancelledError:
            raise  # the sender let go of the track; the track itself goes on
        except Exception:
            self._log.warning("RTCRtpSender: the %s track %s failed and was stopped",
                           self.kind, track.id, exc_info=True)
        track.stop()

    async def _pace_audio(self) -> None:
        buffered = self.source.buffered_ms
        if buffered > AUDIO_HIGH_MS:
            await asyncio.sleep((buffered - AUDIO_LOW_MS) / 1000)
        else:
            await asyncio.sleep(0)  # a turn for the loop, even if recv() never suspended

    async def _pace_video(self, frame_time: float | None) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if frame_time is None:
            target = now if self._last_target is None else self._last_target + VIDEO_PTIME
        else:
            if self._origin is None or abs(self._origin + frame_time - now) > VIDEO_REBASE_AFTER:
                self._origin = now - frame_time
            target = self._origin + frame_time
        if target < now - VIDEO_REBASE_AFTER:
            target = now
        self._last_target = target
        if target > now + 0.001:
            await asyncio.sleep(target - now)
        else:
            await asyncio.sleep(0)
