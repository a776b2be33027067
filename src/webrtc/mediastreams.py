"""MediaStreamTrack, the base of every track: remote ones and the custom tracks users write.

Shaped as aiortc's (an event emitter with ``kind``, ``id``, ``readyState``, ``recv()`` and
``stop()``), so code written for aiortc subclasses it unchanged. Tracks are also async
iterables: ``async for frame in track`` ends when the track does."""

from __future__ import annotations

import uuid
from abc import ABCMeta, abstractmethod
from fractions import Fraction

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


def convert_timebase(pts: int, from_base: Fraction, to_base: Fraction) -> int:
    """Rescale a timestamp from one time base to another."""
    if from_base != to_base:
        pts = int(pts * from_base / to_base)
    return pts


__all__ = [
    "AUDIO_PTIME",
    "VIDEO_CLOCK_RATE",
    "VIDEO_PTIME",
    "VIDEO_TIME_BASE",
    "MediaStreamError",
    "MediaStreamTrack",
    "convert_timebase",
]
