"""RTCRtpTransceiver: a media section of a connection, with its sender and receiver.

It reports what negotiation decided (mid, kind, direction) and takes a new direction and
codec preferences; both apply at the next offer or answer.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from .exceptions import InvalidStateError
from .rtcrtpparameters import native_codecs
from .rtcrtpreceiver import RTCRtpReceiver
from .rtcrtpsender import RTCRtpSender

if TYPE_CHECKING:
    from .rtcpeerconnection import RTCPeerConnection

DIRECTIONS = ["sendrecv", "sendonly", "recvonly", "inactive"]


class RTCRtpTransceiver:
    """https://w3c.github.io/webrtc-pc/#rtcrtptransceiver-interface"""

    _sender_class = RTCRtpSender
    _receiver_class = RTCRtpReceiver

    def __init__(self, peer_connection: RTCPeerConnection, index: int, snapshot: tuple) -> None:
        self._pc = weakref.ref(peer_connection)
        self._index = index
        self._mid, self._kind, self._direction, self._currentDirection, self._stopped = snapshot
        self._sender = self._sender_class(self._kind, peer_connection, index)
        self._receiver = self._receiver_class(self._kind, peer_connection, index)

    def _update(self, snapshot: tuple) -> None:
        self._mid, self._kind, self._direction, self._currentDirection, self._stopped = snapshot

    kind = property(lambda self: self._kind)
    mid = property(lambda self: self._mid)
    currentDirection = property(lambda self: self._currentDirection)
    stopped = property(lambda self: self._stopped)

    @property
    def sender(self):
        return self._sender

    @property
    def receiver(self):
        return self._receiver

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

    def setCodecPreferences(self, codecs: list) -> None:
        """Negotiate only these codecs, in this order (entries of
        ``RTCRtpSender.getCapabilities(kind).codecs`` or the receiver's); an empty list
        restores the defaults."""
        native = native_codecs(list(codecs))
        self._live_connection()._native.set_codec_preferences(self._index, native)

    def stop(self) -> None:
        """Stop sending and receiving on this section for good (negotiated at the next offer)."""
        if self._stopped:
            return
        self._live_connection()._native.stop_transceiver(self._index)
        self._sender._close()
        self._stopped = True
        self._direction = "stopped"

    def __repr__(self) -> str:
        return f"<RTCRtpTransceiver mid={self._mid!r} {self._kind} {self._direction}>"


__all__ = ["RTCRtpReceiver", "RTCRtpSender", "RTCRtpTransceiver"]
