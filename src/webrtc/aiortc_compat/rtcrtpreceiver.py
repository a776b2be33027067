"""aiortc.rtcrtpreceiver: RTCRtpReceiver with aiortc's errors and stats, the source
dataclasses, and the class of received tracks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ..exceptions import InvalidStateError
from ..remotestreamtrack import RemoteStreamTrack
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


class RTCRtpReceiver(_W3CReceiver):
    """aiortc's ORTC calls ``receive(parameters)`` and ``setTransport()`` raise
    InvalidStateError: the connection negotiates and receives."""

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
