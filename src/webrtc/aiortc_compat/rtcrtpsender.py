"""aiortc.rtcrtpsender: RTCRtpSender with aiortc's synchronous replaceTrack and its errors."""

from __future__ import annotations

from ..rtcrtpsender import RTCRtpSender as _W3CSender
from .stats import RTCStatsReport


class RTCRtpSender(_W3CSender):
    """As aiortc: ``replaceTrack()`` is a plain method, ``getCapabilities()`` raises
    ``ValueError`` for an unknown kind, ``getStats()`` returns aiortc-shaped stats."""

    @classmethod
    def getCapabilities(cls, kind: str):
        if kind not in ("audio", "video"):
            raise ValueError(f"cannot get capabilities for unknown media {kind}")
        return super().getCapabilities(kind)

    def replaceTrack(self, track) -> None:  # type: ignore[override]
        self._replace(track)

    async def getStats(self) -> RTCStatsReport:  # type: ignore[override]
        return RTCStatsReport._from_w3c(await super().getStats())


__all__ = ["RTCRtpSender"]
