"""RTCRtpTransceiver, RTCRtpSender, RTCRtpReceiver: the media sections of a connection.

They report what negotiation decided (mid, kind, direction) and take a new direction. Each
receiver has its remote track from the start (``receiver.track``), as in browsers; frames
flow into it once the remote side sends.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from .exceptions import InvalidStateError

if TYPE_CHECKING:
    from .rtcpeerconnection import RTCPeerConnection

DIRECTIONS = ["sendrecv", "sendonly", "recvonly", "inactive"]


class RTCRtpSender:
    """The sending half of a transceiver."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.track = None
        self.transport = None


class RTCRtpReceiver:
    """The receiving half of a transceiver."""

    def __init__(self, kind: str, peer_connection: RTCPeerConnection | None = None,
                 index: int = -1) -> None:
        self.kind = kind
        self.transport = None
        self._pc = weakref.ref(peer_connection) if peer_connection is not None else None
        self._index = index
        self._track = None

    @property
    def track(self):
        """The remote track (a RemoteStreamTrack), or None for a connection closed before
        anyone asked for it."""
        if self._track is None and self._pc is not None:
            pc = self._pc()
            if pc is not None:
                self._track = pc._remote_track(self._index)
        return self._track


class RTCRtpTransceiver:
    """https://w3c.github.io/webrtc-pc/#rtcrtptransceiver-interface"""

    def __init__(self, peer_connection: RTCPeerConnection, index: int, snapshot: tuple) -> None:
        self._pc = weakref.ref(peer_connection)
        self._index = index
        self._mid, self._kind, self._direction, self._currentDirection, self._stopped = snapshot
        self.sender = RTCRtpSender(self._kind)
        self.receiver = RTCRtpReceiver(self._kind, peer_connection, index)

    def _update(self, snapshot: tuple) -> None:
        self._mid, self._kind, self._direction, self._currentDirection, self._stopped = snapshot

    kind = property(lambda self: self._kind)
    mid = property(lambda self: self._mid)
    currentDirection = property(lambda self: self._currentDirection)
    stopped = property(lambda self: self._stopped)

    @property
    def direction(self) -> str:
        """The preferred direction; a new one applies at the next offer or answer."""
        return self._direction

    @direction.setter
    def direction(self, direction: str) -> None:
        self._check_direction(direction)
        pc = self._live_connection()
        pc._native.set_transceiver_direction(self._index, direction)
        self._direction = direction

    def _check_direction(self, direction: str) -> None:
        if direction not in DIRECTIONS:
            raise TypeError(f"direction must be one of {DIRECTIONS} (got {direction!r})")

    def _live_connection(self) -> RTCPeerConnection:
        pc = self._pc()
        if pc is None or pc._closed:
            raise InvalidStateError("RTCPeerConnection is closed")
        if self._stopped:
            raise InvalidStateError("the transceiver is stopped")
        return pc

    def stop(self) -> None:
        """Stop sending and receiving on this section for good (negotiated at the next offer)."""
        if self._stopped:
            return
        self._live_connection()._native.stop_transceiver(self._index)
        self._stopped = True
        self._direction = "stopped"

    def __repr__(self) -> str:
        return f"<RTCRtpTransceiver mid={self._mid!r} {self._kind} {self._direction}>"
