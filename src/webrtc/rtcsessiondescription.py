"""RTCSessionDescription: https://w3c.github.io/webrtc-pc/#rtcsessiondescription-class"""

from __future__ import annotations

from dataclasses import dataclass

SDP_TYPES = ["offer", "pranswer", "answer", "rollback"]


@dataclass
class RTCSessionDescription:
    """An SDP offer or answer. Compared by value."""

    sdp: str
    type: str

    def __post_init__(self) -> None:
        if self.type not in SDP_TYPES:
            raise ValueError(f"'type' must be in {SDP_TYPES} (got '{self.type}')")
        if not isinstance(self.sdp, str):
            raise TypeError(f"'sdp' must be a str (got {type(self.sdp).__name__})")
