"""RTCIceCandidate: https://w3c.github.io/webrtc-pc/#rtcicecandidate-interface"""

from __future__ import annotations

from dataclasses import dataclass, field

# Longer candidate lines are not ICE candidates (RFC 8839 lines are well under 1 KiB).
MAX_CANDIDATE_LENGTH = 4096


@dataclass
class ParsedCandidate:
    """The fields of an SDP candidate attribute (RFC 8839, section 5.1)."""

    foundation: str
    component: int
    protocol: str
    priority: int
    address: str
    port: int
    type: str
    relatedAddress: str | None = None
    relatedPort: int | None = None
    tcpType: str | None = None
    usernameFragment: str | None = None
    extensions: dict[str, str] = field(default_factory=dict)


def parse_candidate(text: str) -> ParsedCandidate:
    """Parse "candidate:..." (the prefix is optional). Raises ValueError on malformed input."""
    if not isinstance(text, str):
        raise TypeError(f"candidate must be a str (got {type(text).__name__})")
    if len(text) > MAX_CANDIDATE_LENGTH:
        raise ValueError(f"candidate is too long ({len(text)} characters)")
    if not text.isascii():
        raise ValueError(f"malformed ICE candidate (not ASCII): {text[:100]!r}")
    if text.startswith("a="):
        text = text[2:]
    if text.startswith("candidate:"):
        text = text[len("candidate:"):]
    bits = text.split()
    if len(bits) < 8 or bits[6] != "typ":
        raise ValueError(f"malformed ICE candidate: {text[:100]!r}")
    try:
        component = int(bits[1])
        priority = int(bits[3])
        port = int(bits[5])
    except ValueError:
        raise ValueError(f"malformed ICE candidate: {text[:100]!r}") from None
    if not 0 <= port <= 65535 or not 1 <= component <= 256 or not 0 <= priority < 2**32:
        raise ValueError(f"malformed ICE candidate: {text[:100]!r}")
    parsed = ParsedCandidate(
        foundation=bits[0],
        component=component,
        protocol=bits[2].lower(),
        priority=priority,
        address=bits[4],
        port=port,
        type=bits[7],
    )
    rest = bits[8:]
    if len(rest) % 2:
        raise ValueError(f"malformed ICE candidate: {text[:100]!r}")
    for key, value in zip(rest[::2], rest[1::2], strict=True):
        if key == "raddr":
            parsed.relatedAddress = value
        elif key == "rport":
            try:
                parsed.relatedPort = int(value)
            except ValueError:
                raise ValueError(f"malformed ICE candidate: {text[:100]!r}") from None
        elif key == "tcptype":
            parsed.tcpType = value
        elif key == "ufrag":
            parsed.usernameFragment = value
        else:
            parsed.extensions[key] = value
    return parsed


class RTCIceCandidate:
    """An ICE candidate as the W3C API shapes it: the candidate line plus its m-line."""

    def __init__(
        self,
        candidate: str = "",
        sdpMid: str | None = None,
        sdpMLineIndex: int | None = None,
        usernameFragment: str | None = None,
    ) -> None:
        if not isinstance(candidate, str):
            raise TypeError(f"candidate must be a str (got {type(candidate).__name__})")
        if sdpMid is None and sdpMLineIndex is None:
            raise TypeError("sdpMid and sdpMLineIndex are both null")
        if sdpMid is not None and not isinstance(sdpMid, str):
            raise TypeError("sdpMid must be a str or None")
        if sdpMLineIndex is not None and (
            not isinstance(sdpMLineIndex, int) or not 0 <= sdpMLineIndex < 65536
        ):
            raise TypeError("sdpMLineIndex must be an int in 0..65535 or None")
        self.candidate = candidate
        self.sdpMid = sdpMid
        self.sdpMLineIndex = sdpMLineIndex
        self._parsed = parse_candidate(candidate) if candidate else None
        self.usernameFragment = usernameFragment or (
            self._parsed.usernameFragment if self._parsed else None
        )

    def _field(self, name: str):
        return getattr(self._parsed, name) if self._parsed else None

    foundation = property(lambda self: self._field("foundation"))
    priority = property(lambda self: self._field("priority"))
    address = property(lambda self: self._field("address"))
    protocol = property(lambda self: self._field("protocol"))
    port = property(lambda self: self._field("port"))
    type = property(lambda self: self._field("type"))
    tcpType = property(lambda self: self._field("tcpType"))
    relatedAddress = property(lambda self: self._field("relatedAddress"))
    relatedPort = property(lambda self: self._field("relatedPort"))

    @property
    def component(self) -> str | None:
        """"rtp" or "rtcp"."""
        if not self._parsed:
            return None
        return "rtp" if self._parsed.component == 1 else "rtcp"

    def toJSON(self) -> dict:
        return {
            "candidate": self.candidate,
            "sdpMid": self.sdpMid,
            "sdpMLineIndex": self.sdpMLineIndex,
            "usernameFragment": self.usernameFragment,
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RTCIceCandidate) and self.toJSON() == other.toJSON()

    def __repr__(self) -> str:
        return (
            f"RTCIceCandidate(candidate={self.candidate!r}, sdpMid={self.sdpMid!r}, "
            f"sdpMLineIndex={self.sdpMLineIndex!r})"
        )
