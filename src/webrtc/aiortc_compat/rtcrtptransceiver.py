"""aiortc.rtcrtptransceiver: RTCRtpTransceiver with aiortc's direction check, codec
preference rules and async stop."""

from __future__ import annotations

from ..rtcrtptransceiver import DIRECTIONS
from ..rtcrtptransceiver import RTCRtpTransceiver as _W3CTransceiver
from .rtcrtpreceiver import RTCRtpReceiver
from .rtcrtpsender import RTCRtpSender


class RTCRtpTransceiver(_W3CTransceiver):
    """As aiortc: a bad direction fails an assertion, ``stop()`` is a coroutine, and codec
    preferences must be entries of the capabilities (duplicates dropped)."""

    _sender_class = RTCRtpSender
    _receiver_class = RTCRtpReceiver

    def _check_direction(self, direction: str) -> None:
        assert direction in DIRECTIONS

    def setCodecPreferences(self, codecs: list) -> None:
        known = (RTCRtpSender.getCapabilities(self.kind).codecs
                 + RTCRtpReceiver.getCapabilities(self.kind).codecs)
        unique: list = []
        for codec in codecs:
            if codec not in known:
                raise ValueError("Codec is not in capabilities")
            if codec not in unique:
                unique.append(codec)
        super().setCodecPreferences(unique)

    async def stop(self) -> None:  # type: ignore[override]
        super().stop()


__all__ = ["RTCRtpReceiver", "RTCRtpSender", "RTCRtpTransceiver"]
