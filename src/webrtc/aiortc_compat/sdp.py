"""aiortc.sdp's candidate helpers: the text after "candidate:" to and from RTCIceCandidate."""

from __future__ import annotations

from ..rtcicecandidate import MAX_CANDIDATE_LENGTH
from .rtcicetransport import RTCIceCandidate


def candidate_from_sdp(sdp: str) -> RTCIceCandidate:
    """Parse a candidate attribute value (without the "candidate:" prefix), as aiortc does:
    fewer than 8 fields fail an assertion, non-numeric numbers raise ValueError, and
    sdpMid/sdpMLineIndex are left for the caller to set."""
    if not isinstance(sdp, str):
        raise TypeError(f"candidate must be a str (got {type(sdp).__name__})")
    if len(sdp) > MAX_CANDIDATE_LENGTH:
        raise ValueError(f"candidate is too long ({len(sdp)} characters)")
    bits = sdp.split()
    assert len(bits) >= 8, "a candidate has at least 8 fields"
    candidate = RTCIceCandidate(
        component=int(bits[1]),
        foundation=bits[0],
        ip=bits[4],
        port=int(bits[5]),
        priority=int(bits[3]),
        protocol=bits[2],
        type=bits[7],
    )
    for key, value in zip(bits[8::2], bits[9::2], strict=False):
        if key == "raddr":
            candidate.relatedAddress = value
        elif key == "rport":
            candidate.relatedPort = int(value)
        elif key == "tcptype":
            candidate.tcpType = value
    return candidate


def candidate_to_sdp(candidate: RTCIceCandidate) -> str:
    """The candidate attribute value for `candidate`, without the "candidate:" prefix."""
    text = (
        f"{candidate.foundation} {candidate.component} {candidate.protocol} "
        f"{candidate.priority} {candidate.ip} {candidate.port} typ {candidate.type}"
    )
    if candidate.relatedAddress is not None:
        text += f" raddr {candidate.relatedAddress}"
    if candidate.relatedPort is not None:
        text += f" rport {candidate.relatedPort}"
    if candidate.tcpType is not None:
        text += f" tcptype {candidate.tcpType}"
    return text


__all__ = ["candidate_from_sdp", "candidate_to_sdp"]
