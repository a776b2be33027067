"""RTCSctpTransport: https://w3c.github.io/webrtc-pc/#rtcsctptransport-interface"""

from __future__ import annotations

import logging
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .rtcpeerconnection import RTCPeerConnection

# libwebrtc M108 takes data channel ids 0..1023 only (cricket::kMaxSctpSid): it refuses a
# higher one with an INTERNAL_ERROR, whatever streams dcSCTP negotiated.
MAX_CHANNELS = 1024


class RTCSctpTransport:
    """The SCTP association that carries a connection's data channels."""

    _logger = logging.getLogger(__name__)

    def __init__(self, peer_connection: RTCPeerConnection) -> None:
        self._pc = weakref.ref(peer_connection)
        self._state = "connecting"
        self._aborted = False  # dcSCTP aborted the association: it stays closed

    @property
    def port(self) -> int:
        """The SCTP port of the data section (libwebrtc always uses 5000)."""
        return 5000

    @property
    def transport(self):
        """The connection's RTCDtlsTransport, which carries the association."""
        pc = self._pc()
        return pc._dtls_transport() if pc is not None else None

    @property
    def state(self) -> str:
        """"connecting", "connected" or "closed"."""
        return self._state

    @property
    def maxMessageSize(self) -> int:
        """The largest message both sides accept, in bytes."""
        pc = self._pc()
        return pc._max_message_size() if pc else 0

    @property
    def maxChannels(self) -> int | None:
        return MAX_CHANNELS if self._state == "connected" else None

    def _on_connection_state(self, state: str) -> None:
        new = {"connected": "connected", "closed": "closed", "failed": "closed"}.get(state)
        if new is not None and not self._aborted:
            self._set_state(new)

    def _on_aborted(self) -> None:
        # libwebrtc M108 keeps its SctpTransport "connected" after dcSCTP's abort; the
        # channels learn of it (their sctp-failure error), and so does this.
        self._aborted = True
        self._set_state("closed")

    def _set_state(self, new: str) -> None:
        if new != self._state:
            self._logger.debug("RTCSctpTransport(%#x) state is now %s (was %s)",
                               id(self), new, self._state)
            self._state = new
