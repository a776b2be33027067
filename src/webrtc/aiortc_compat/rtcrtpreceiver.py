"""aiortc.rtcrtpreceiver: RTCRtpReceiver with aiortc's errors and stats, the source
dataclasses, and the class of received tracks."""

from __future__ import annotations

import asyncio
import datetime
from dataclasses import dataclass
from typing import Any

from ..exceptions import InvalidStateError
from ..remotestreamtrack import RemoteStreamTrack as _W3CRemoteStreamTrack
from ..rtcrtpreceiver import RTCRtpReceiver as _W3CReceiver
from .rtcrtpparameters import RTCRtpReceiveParameters
from .stats import RTCStatsReport


@dataclass
class RTCRtpContributingSource:
    """A contributing source (CSRC) and when a packet from it last arrived."""

    timestamp: datetime.datetime
    source: int


@dataclass
class RTCRtpSynchronizationSource:
    """A synchronization source (SSRC) and when a packet from it last arrived."""

    timestamp: datetime.datetime
    source: int


class _WaitingFrames(asyncio.Queue):
    """``RemoteStreamTrack._queue``: the frames waiting in the native queue, seen through
    asyncio.Queue's methods, as code written for aiortc's track reads and empties it
    (pipecat's ``discard_old_frames()``: ``empty()``, ``get_nowait()``, ``task_done()``)."""

    def __init__(self, track: RemoteStreamTrack) -> None:
        super().__init__()
        self._track = track

    def qsize(self) -> int:
        return self._track._native.queued

    def empty(self) -> bool:
        return self.qsize() == 0

    def full(self) -> bool:
        return False

    def get_nowait(self) -> Any:
        frame = self._track._native.take()
        if frame is None:
            raise asyncio.QueueEmpty
        return self._track._wrap(frame)

    async def get(self) -> Any:
        return await self._track.recv()

    def put_nowait(self, item: Any) -> None:
        raise TypeError(
            "the frames of a received track come from the RTCPeerConnection; to send frames "
            "of your own, return them from the recv() of a MediaStreamTrack subclass"
        )

    async def put(self, item: Any) -> None:
        self.put_nowait(item)

    def task_done(self) -> None:
        pass  # nothing waits in join(): the native queue has no task count

    async def join(self) -> None:
        return None


class RemoteStreamTrack(_W3CRemoteStreamTrack):
    """A received track, with what aiortc code reaches into: ``_queue`` (the frames waiting,
    as an asyncio.Queue), and receiving switched off by ``receiver._enabled = False``.

    Made by the RTCPeerConnection: aiortc's ``RemoteStreamTrack(kind)`` raises TypeError."""

    def __init__(self, native: Any = None, **aiortc_arguments: Any) -> None:
        if aiortc_arguments or not hasattr(native, "take"):
            raise TypeError(
                "a RemoteStreamTrack is made by the RTCPeerConnection for a track the remote "
                "side sends; to make frames yourself, subclass MediaStreamTrack and return "
                "them from recv()"
            )
        super().__init__(native)
        self._receiving = True
        self._queue_limit = native.max_queue
        self._waiting_frames: _WaitingFrames | None = None

    @property
    def _queue(self) -> _WaitingFrames:
        if self._waiting_frames is None:
            self._waiting_frames = _WaitingFrames(self)
        return self._waiting_frames

    async def recv(self) -> Any:
        while True:
            frame = await super().recv()
            if self._receiving:
                return frame
            # Taken while the receiver was disabled: dropped, as aiortc drops the packets.

    def _set_receiving(self, receiving: bool) -> None:
        if receiving == self._receiving:
            return
        self._receiving = receiving
        native = self._native
        if not receiving:
            # Keep one frame at most; the rest is dropped natively as it arrives.
            self._queue_limit = native.max_queue
            native.max_queue = 1
            return
        native.max_queue = self._queue_limit
        while native.take() is not None:  # what arrived while disabled
            pass


class RTCRtpReceiver(_W3CReceiver):
    """aiortc's ORTC calls ``receive(parameters)`` and ``setTransport()`` raise
    InvalidStateError: the connection negotiates and receives.

    ``_enabled`` (an aiortc internal that some code sets) switches receiving off and on:
    while it is False, what arrives is dropped, and recv() waits for what comes after."""

    _receiving = True

    @property
    def _enabled(self) -> bool:
        return self._receiving

    @_enabled.setter
    def _enabled(self, enabled: bool) -> None:
        self._receiving = bool(enabled)
        track = self.track
        if isinstance(track, RemoteStreamTrack):
            track._set_receiving(self._receiving)

    @classmethod
    def getCapabilities(cls, kind: str):
        if kind not in ("audio", "video"):
            raise ValueError(f"cannot get capabilities for unknown media {kind}")
        return super().getCapabilities(kind)

    async def getStats(self) -> RTCStatsReport:  # type: ignore[override]
        return RTCStatsReport._from_w3c(await super().getStats())

    def _sources(self, contributing: bool) -> list:
        pc = self._pc() if self._pc is not None else None
        if pc is None or pc._closed:
            return []
        now = datetime.datetime.now(datetime.timezone.utc)
        cls = RTCRtpContributingSource if contributing else RTCRtpSynchronizationSource
        return [
            cls(timestamp=now - datetime.timedelta(milliseconds=max(age, 0)), source=source)
            for age, source, is_contributing in pc._native.get_receiver_sources(self._index)
            if is_contributing == contributing
        ]

    def getSynchronizationSources(self) -> list[RTCRtpSynchronizationSource]:
        """The SSRCs heard in the last 10 seconds."""
        return self._sources(contributing=False)

    def getContributingSources(self) -> list[RTCRtpContributingSource]:
        """The CSRCs heard in the last 10 seconds (W3C; aiortc has no such method)."""
        return self._sources(contributing=True)

    async def receive(self, parameters: RTCRtpReceiveParameters) -> None:
        raise InvalidStateError(
            "RTCRtpReceiver is run by its RTCPeerConnection: set the remote description"
        )

    def setTransport(self, transport) -> None:
        raise InvalidStateError("RTCRtpReceiver is run by its RTCPeerConnection")

    async def stop(self) -> None:
        """Stop receiving: the track ends, as in aiortc."""
        track = self.track
        if track is not None:
            track.stop()


__all__ = [
    "RTCRtpContributingSource",
    "RTCRtpReceiver",
    "RTCRtpSynchronizationSource",
    "RemoteStreamTrack",
]
