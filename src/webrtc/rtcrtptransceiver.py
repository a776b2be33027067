"""RTCRtpTransceiver, RTCRtpSender, RTCRtpReceiver: the media sections of a connection.

Media tracks come in a later release; these objects already report what negotiation decided
(mid, kind, direction) for the sections a remote offer creates.
"""

from __future__ import annotations


class RTCRtpSender:
    """The sending half of a transceiver."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.track = None
        self.transport = None


class RTCRtpReceiver:
    """The receiving half of a transceiver."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.track = None
        self.transport = None


class RTCRtpTransceiver:
    """https://w3c.github.io/webrtc-pc/#rtcrtptransceiver-interface"""

    def __init__(self, snapshot: tuple) -> None:
        self._mid, self._kind, self._direction, self._currentDirection, self._stopped = snapshot
        self.sender = RTCRtpSender(self._kind)
        self.receiver = RTCRtpReceiver(self._kind)

    def _update(self, snapshot: tuple) -> None:
        self._mid, self._kind, self._direction, self._currentDirection, self._stopped = snapshot

    kind = property(lambda self: self._kind)
    mid = property(lambda self: self._mid)
    direction = property(lambda self: self._direction)
    currentDirection = property(lambda self: self._currentDirection)
    stopped = property(lambda self: self._stopped)

    def __repr__(self) -> str:
        return f"<RTCRtpTransceiver mid={self._mid!r} {self._kind} {self._direction}>"
