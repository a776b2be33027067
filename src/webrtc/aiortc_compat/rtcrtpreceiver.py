"""aiortc.rtcrtpreceiver: RTCRtpReceiver with aiortc's errors and stats, and the class of
received tracks."""

from __future__ import annotations

from ..remotestreamtrack import RemoteStreamTrack
from ..rtcrtpreceiver import RTCRtpReceiver as _W3CReceiver
from .stats import RTCStatsReport


class RTCRtpReceiver(_W3CReceiver):
    @classmethod
    def getCapabilities(cls, kind: str):
        if kind not in ("audio", "video"):
            raise ValueError(f"cannot get capabilities for unknown media {kind}")
        return super().getCapabilities(kind)

    async def getStats(self) -> RTCStatsReport:  # type: ignore[override]
        return RTCStatsReport._from_w3c(await super().getStats())


__all__ = ["RTCRtpReceiver", "RemoteStreamTrack"]
