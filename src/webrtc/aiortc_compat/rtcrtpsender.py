"""aiortc.rtcrtpsender: RTCRtpSender with aiortc's synchronous replaceTrack and its errors."""

from __future__ import annotations

import logging

from ..exceptions import InvalidStateError
from ..rtcrtpsender import RTCRtpSender as _W3CSender
from .rtcrtpparameters import RTCRtpSendParameters
from .stats import RTCStatsReport


class RTCRtpSender(_W3CSender):
    """As aiortc: ``replaceTrack()`` is a plain method, ``getCapabilities()`` raises
    ``ValueError`` for an unknown kind, ``getStats()`` returns aiortc-shaped stats.

    aiortc's ORTC calls ``send(parameters)`` and ``setTransport()`` raise InvalidStateError:
    the connection negotiates and sends. ``stop()`` stops sending for good."""

    _logger = logging.getLogger("aiortc.rtcrtpsender")

    @classmethod
    def getCapabilities(cls, kind: str):
        if kind not in ("audio", "video"):
            raise ValueError(f"cannot get capabilities for unknown media {kind}")
        return super().getCapabilities(kind)

    def replaceTrack(self, track) -> None:  # type: ignore[override]
        self._replace(track)

    async def getStats(self) -> RTCStatsReport:  # type: ignore[override]
        return RTCStatsReport._from_w3c(await super().getStats())

    async def send(self, parameters: RTCRtpSendParameters) -> None:
        raise InvalidStateError(
            "RTCRtpSender is run by its RTCPeerConnection: add the track to the connection"
        )

    def setTransport(self, transport) -> None:
        raise InvalidStateError("RTCRtpSender is run by its RTCPeerConnection")

    async def stop(self) -> None:
        """Stop sending; the track is stopped if it was being sent, as aiortc does."""
        self._close()


__all__ = ["RTCRtpSender"]
