"""aiortc.rtcrtptransceiver: RTCRtpTransceiver with aiortc's direction check and async stop."""

from __future__ import annotations

from ..rtcrtptransceiver import DIRECTIONS
from ..rtcrtptransceiver import RTCRtpReceiver, RTCRtpSender
from ..rtcrtptransceiver import RTCRtpTransceiver as _W3CTransceiver


class RTCRtpTransceiver(_W3CTransceiver):
    """As aiortc: a bad direction fails an assertion, and ``stop()`` is a coroutine."""

    def _check_direction(self, direction: str) -> None:
        assert direction in DIRECTIONS

    async def stop(self) -> None:  # type: ignore[override]
        super().stop()


__all__ = ["RTCRtpReceiver", "RTCRtpSender", "RTCRtpTransceiver"]
