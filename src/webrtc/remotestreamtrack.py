"""RemoteStreamTrack: a track the remote side sends, read with ``await track.recv()``.

Frames wait natively in a bounded queue that drops the oldest when full (``max_queue_size``,
counted in ``frames_dropped``), so a slow consumer never makes memory grow and gets recent
frames when it comes back. ``recv()`` takes the oldest waiting frame; when there is none it
asks the native side for one wake-up and awaits it on the connection's event loop.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from . import _native
from .audioframe import AudioFrame
from .mediastreams import MediaStreamError, MediaStreamTrack
from .videoframe import VideoFrame


class RemoteStreamTrack(MediaStreamTrack):
    """A received audio or video track."""

    def __init__(self, native: _native.RemoteTrack) -> None:
        super().__init__()
        self._native = native
        self.kind = native.kind
        self._id = native.id
        self._wrap = VideoFrame if native.kind == "video" else AudioFrame
        # recv() calls waiting for the native side's one wake-up (it is armed while any wait).
        # They may run on other event loops, in other threads, than the connection's: the
        # lock keeps a wake-up from slipping between arming and waiting.
        self._waiters: list[asyncio.Future] = []
        self._waiters_lock = threading.Lock()

    async def recv(self) -> VideoFrame | AudioFrame:
        """The next frame: a :class:`VideoFrame` or, for audio, an :class:`AudioFrame`.

        Raises :class:`MediaStreamError` once the track has ended."""
        native = self._native
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            frame = native.take()
            if frame is not None:
                return self._wrap(frame)
            if native.ended:
                self._on_ended()
                raise MediaStreamError
            # Each consumer waits on its own future, so cancelling one leaves the others.
            waiter = asyncio.get_running_loop().create_future()
            with self._waiters_lock:
                if not self._waiters and not native.arm():
                    continue  # a frame came, or the track ended, in between
                self._waiters.append(waiter)
            try:
                await waiter
            finally:
                with self._waiters_lock:
                    if waiter in self._waiters:
                        self._waiters.remove(waiter)

    @property
    def frames_received(self) -> int:
        """Frames the track has delivered to its queue (20 ms frames for audio)."""
        return self._native.frames_received

    @property
    def frames_dropped(self) -> int:
        """Frames dropped, oldest first, because the queue was full."""
        return self._native.frames_dropped

    @property
    def max_queue_size(self) -> int:
        """How many frames wait for recv() before the oldest is dropped."""
        return self._native.max_queue

    @max_queue_size.setter
    def max_queue_size(self, size: int) -> None:
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError("max_queue_size must be an int")
        if size < 1:
            raise ValueError("max_queue_size must be at least 1")
        self._native.max_queue = size

    # ---- from the connection's event pump ----

    def _on_data(self) -> None:
        self._wake()

    def _on_ended(self) -> None:
        self._wake()
        self.stop()

    def _wake(self) -> None:
        with self._waiters_lock:
            waiters, self._waiters = self._waiters, []
        running = _running_loop()
        for waiter in waiters:
            loop = waiter.get_loop()
            if loop is running:
                _release(waiter)
            elif not loop.is_closed():
                loop.call_soon_threadsafe(_release, waiter)

    def __repr__(self) -> str:
        return f"<RemoteStreamTrack {self.kind} {self.id} {self.readyState}>"


class MediaStream:
    """A group of tracks the remote side sent under one stream id (W3C MediaStream)."""

    def __init__(self, id: str) -> None:
        self.id = id
        self._tracks: list[Any] = []

    def getTracks(self) -> list:
        return list(self._tracks)

    def getAudioTracks(self) -> list:
        return [t for t in self._tracks if t.kind == "audio"]

    def getVideoTracks(self) -> list:
        return [t for t in self._tracks if t.kind == "video"]

    def _add(self, track: Any) -> None:
        if track not in self._tracks:
            self._tracks.append(track)

    def __repr__(self) -> str:
        return f"<MediaStream {self.id} {len(self._tracks)} tracks>"


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _release(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)
