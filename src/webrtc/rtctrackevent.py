"""RTCTrackEvent: what the W3C ``track`` event carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RTCTrackEvent:
    """https://w3c.github.io/webrtc-pc/#rtctrackevent"""

    track: Any
    receiver: Any
    transceiver: Any
    streams: list = field(default_factory=list)
