"""MediaStreamTrack, the base of every track: remote ones and the custom tracks users write.

Shaped as aiortc's (an event emitter with ``kind``, ``id``, ``readyState``, ``recv()`` and
``stop()``), so code written for aiortc subclasses it unchanged. Tracks are also async
iterables: ``async for frame in track`` ends when the track does."""

from __future__ import annotations

import asyncio
import time
import uuid
from abc import ABCMeta, abstractmethod
from fractions import Fraction
from typing import Protocol

from pyee.asyncio import AsyncIOEventEmitter

AUDIO_PTIME = 0.020
VIDEO_CLOCK_RATE = 90000
VIDEO_PTIME = 1 / 30
VIDEO_TIME_BASE = Fraction(1, VIDEO_CLOCK_RATE)


class MediaStreamError(Exception):
    """recv() on a track that has ended."""


class MediaStreamTrack(AsyncIOEventEmitter, metaclass=ABCMeta):
    """A single media track. Subclasses set ``kind`` and implement ``recv()``."""

    kind = "unknown"

    def __init__(self) -> None:
        super().__init__()
        self.__ended = False
        self._id = str(uuid.uuid4())

    @property
    def id(self) -> str:
        return self._id

    @property
    def readyState(self) -> str:
        """"live" or "ended"."""
        return "ended" if self.__ended else "live"

    @abstractmethod
    async def recv(self):
        """The next frame (or packet)."""

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return await self.recv()
        except MediaStreamError:
            raise StopAsyncIteration from None

    def stop(self) -> None:
        """End the track: emits ``ended`` once, then drops every listener."""
        if not self.__ended:
            self.__ended = True
            self.emit("ended")
            self.remove_all_listeners()


class AudioStreamTrack(MediaStreamTrack):
    """A track of silence, 20 ms per ``recv()`` at real time (8 kHz mono s16, as aiortc's).

    Subclasses that make their own audio usually override ``recv()``."""

    kind = "audio"
    _start: float
    _timestamp: int

    async def recv(self):
        import av

        if self.readyState != "live":
            raise MediaStreamError
        sample_rate = 8000
        samples = int(AUDIO_PTIME * sample_rate)
        if hasattr(self, "_timestamp"):
            self._timestamp += samples
            delay = self._start + self._timestamp / sample_rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
        else:
            self._start = time.time()
            self._timestamp = 0
        frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.pts = self._timestamp
        frame.sample_rate = sample_rate
        frame.time_base = Fraction(1, sample_rate)
        return frame


class VideoStreamTrack(MediaStreamTrack):
    """A track of green 640x480 frames at 30 fps (all-zero yuv420p, as aiortc's).

    ``next_timestamp()`` waits for the next frame's time and returns its ``(pts,
    time_base)``: subclasses that draw their own frames call it to keep 30 fps."""

    kind = "video"
    _start: float
    _timestamp: int

    async def next_timestamp(self) -> tuple[int, Fraction]:
        if self.readyState != "live":
            raise MediaStreamError
        if hasattr(self, "_timestamp"):
            self._timestamp += int(VIDEO_PTIME * VIDEO_CLOCK_RATE)
            delay = self._start + self._timestamp / VIDEO_CLOCK_RATE - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
        else:
            self._start = time.time()
            self._timestamp = 0
        return self._timestamp, VIDEO_TIME_BASE

    async def recv(self):
        import av

        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(width=640, height=480)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.pts = pts
        frame.time_base = time_base
        return frame


class TimeBase(Protocol):
    """A time base: ``fractions.Fraction``, or PyAV 19's ``AVRational``."""

    @property
    def numerator(self) -> int: ...

    @property
    def denominator(self) -> int: ...


def convert_timebase(pts: int, from_base: TimeBase, to_base: TimeBase) -> int:
    """Rescale a timestamp from one time base to another."""
    if from_base != to_base:
        pts = int(pts * from_base / to_base)
    return pts


__all__ = [
    "AUDIO_PTIME",
    "VIDEO_CLOCK_RATE",
    "VIDEO_PTIME",
    "VIDEO_TIME_BASE",
    "AudioStreamTrack",
    "MediaStreamError",
    "MediaStreamTrack",
    "VideoStreamTrack",
    "TimeBase",
    "convert_timebase",
]
