"""aiortc's RTCIceCandidate: a dataclass of parsed fields, without a candidate string."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RTCIceCandidate:
    """An ICE candidate the way aiortc models it (fields of the SDP candidate attribute)."""

    component: int
    foundation: str
    ip: str
    port: int
    priority: int
    protocol: str
    type: str
    relatedAddress: str | None = None
    relatedPort: int | None = None
    sdpMid: str | None = None
    sdpMLineIndex: int | None = None
    tcpType: str | None = None


__all__ = ["RTCIceCandidate"]
