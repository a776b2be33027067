"""RTCRtpReceiver: receives one track of a transceiver.

Each receiver has its remote track from the start (``receiver.track``), as in browsers;
frames flow into it once the remote side sends.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from .exceptions import InvalidStateError
from .rtcrtpparameters import RTCRtpCapabilities, capabilities

if TYPE_CHECKING:
    from .rtcpeerconnection import RTCPeerConnection


class RTCRtpReceiver:
    """The receiving half of a transceiver."""

    def __init__(self, kind: str, peer_connection: RTCPeerConnection | None = None,
                 index: int = -1) -> None:
        self._kind = kind
        self._pc = weakref.ref(peer_connection) if peer_connection is not None else None
        self._index = index
        self._track = None

    @property
    def kind(self) -> str:
        """"audio" or "video"."""
        return self._kind

    @property
    def track(self):
        """The remote track (a RemoteStreamTrack), or None for a connection closed before
        anyone asked for it."""
        if self._track is None and self._pc is not None:
            pc = self._pc()
            if pc is not None:
                self._track = pc._remote_track(self._index)
        return self._track

    @property
    def transport(self):
        """The connection's RTCDtlsTransport (None once the connection is gone)."""
        pc = self._pc() if self._pc is not None else None
        return pc._dtls_transport() if pc is not None else None

    @classmethod
    def getCapabilities(cls, kind: str) -> RTCRtpCapabilities | None:
        """The codecs and header extensions the engine can receive for `kind`."""
        if kind not in ("audio", "video"):
            return None
        return capabilities(kind, sender=False)

    async def getStats(self):
        """Statistics of this receiver (its inbound RTP stream and what it refers to)."""
        pc = self._pc() if self._pc is not None else None
        if pc is None or pc._closed:
            raise InvalidStateError("RTCPeerConnection is closed")
        from .rtcstatsreport import RTCStatsReport

        report_json, _ = await pc._native_request(pc._native.get_receiver_stats, self._index)
        return RTCStatsReport._from_json(report_json)

    def __repr__(self) -> str:
        return f"<RTCRtpReceiver {self.kind}>"
