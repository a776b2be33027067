"""RTCDtlsTransport: https://w3c.github.io/webrtc-pc/#rtcdtlstransport-interface

A view of the connection's DTLS transport (libwebrtc owns it): its state and the ICE
transport under it. ``sender.transport``, ``receiver.transport`` and ``pc.sctp.transport``
all return the connection's one DTLS transport (everything is bundled onto it).
"""

from __future__ import annotations

import logging

from pyee.asyncio import AsyncIOEventEmitter

from .rtcicetransport import RTCIceTransport


class RTCDtlsTransport(AsyncIOEventEmitter):
    """States: "new", "connecting", "connected", "closed", "failed". Event: ``statechange``."""

    _logger = logging.getLogger(__name__)

    def __init__(self, ice_transport: RTCIceTransport) -> None:
        super().__init__()
        self._ice_transport = ice_transport
        self._state = "new"

    @property
    def iceTransport(self) -> RTCIceTransport:
        return self._ice_transport

    @property
    def state(self) -> str:
        return self._state

    def _set_state(self, state: str) -> None:
        # Closed and failed are final.
        if state != self._state and self._state not in ("closed", "failed"):
            self._logger.debug("RTCDtlsTransport(%#x) state is now %s (was %s)",
                               id(self), state, self._state)
            self._state = state
            self.emit("statechange")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._state}>"


__all__ = ["RTCDtlsTransport"]
