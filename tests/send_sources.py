"""Tracks written the way our users write them, on our own base classes, for sending tests.

Each factory takes the module (``webrtc`` or ``webrtc.aiortc_compat``) whose classes the
track derives from."""

from __future__ import annotations

import threading
from fractions import Fraction

import av
import numpy as np

from patterns import quadrant_picture


def quadrant_track(module, width: int = 640, height: int = 480, kind_of_frame: str = "av"):
    """30 fps of the four-colour pattern, paced by next_timestamp(). `kind_of_frame`: "av"
    (av.VideoFrame in yuv420p), "rgb24" (av.VideoFrame in rgb24) or "ndarray"."""

    class QuadrantTrack(module.VideoStreamTrack):
        def __init__(self) -> None:
            super().__init__()
            self.size = (width, height)
            self._cache: dict = {}

        async def recv(self):
            pts, time_base = await self.next_timestamp()
            picture = self._cache.get(self.size)
            if picture is None:
                picture = self._cache[self.size] = quadrant_picture(*self.size)
            if kind_of_frame == "ndarray":
                return picture
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            if kind_of_frame == "av":
                frame = frame.reformat(format="yuv420p")
            frame.pts, frame.time_base = pts, time_base
            return frame

    return QuadrantTrack()


def tone(frequency: float, seconds: float, rate: int = 48000, amplitude: int = 8000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.int16)


class SpeechQueue:
    """The queue behind our first users' speech track: a TTS thread puts samples in, and
    pull() takes them. Empty, it blocks its caller (the event loop) for up to 20 ms on a
    threading.Condition, then returns silence."""

    def __init__(self, channels: int = 1) -> None:
        self.channels = channels
        self._samples = np.zeros((0, channels), np.int16)
        self._condition = threading.Condition()

    def put(self, samples: np.ndarray) -> None:
        samples = samples.reshape(-1, self.channels)
        with self._condition:
            self._samples = np.concatenate([self._samples, samples])
            self._condition.notify_all()

    def pull(self, count: int) -> np.ndarray:
        with self._condition:
            if len(self._samples) < count:
                self._condition.wait(0.02)
            taken, self._samples = self._samples[:count], self._samples[count:]
        if len(taken) < count:
            taken = np.concatenate([taken, np.zeros((count - len(taken), self.channels), np.int16)])
        return taken


def speech_track(module, queue: SpeechQueue):
    """The user's track as the issue quotes it: recv() never sleeps."""

    class SpeechTrack(module.MediaStreamTrack):
        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self.queue = queue
            self._pts = 0
            self.pulls = 0

        async def recv(self):
            samples = self.queue.pull(960)  # (N, C) int16, returns at once when it has them
            self.pulls += 1
            frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16",
                                               layout="mono" if samples.shape[1] == 1 else "stereo")
            frame.sample_rate, frame.time_base, frame.pts = 48000, Fraction(1, 48000), self._pts
            self._pts += samples.shape[0]
            return frame

    return SpeechTrack()


def tone_track(module, frequency: float = 440.0, rate: int = 48000, layout: str = "mono",
               sample_format: str = "s16"):
    """A tone paced to real time by its own sleep, in any PyAV sample format and layout."""
    import asyncio
    import time

    class ToneTrack(module.MediaStreamTrack):
        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self._sample = 0
            self._start: float | None = None

        async def recv(self):
            if self._start is None:
                self._start = time.monotonic()
            delay = self._start + self._sample / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            count = rate // 50
            t = np.arange(self._sample, self._sample + count) / rate
            wave = 0.25 * np.sin(2 * np.pi * frequency * t)
            channels = 2 if layout == "stereo" else 1
            if sample_format == "s16":
                data = np.repeat((wave * 32767).astype(np.int16), channels).reshape(1, -1)
            elif sample_format == "fltp":
                data = np.tile(wave.astype(np.float32), (channels, 1))
            elif sample_format == "flt":
                data = np.repeat(wave.astype(np.float32), channels).reshape(1, -1)
            else:
                raise ValueError(sample_format)
            frame = av.AudioFrame.from_ndarray(data, format=sample_format, layout=layout)
            frame.sample_rate, frame.pts = rate, self._sample
            frame.time_base = Fraction(1, rate)
            self._sample += count
            return frame

    return ToneTrack()
