"""aiortc.events: RTCTrackEvent with aiortc's fields. aiortc defines it but its ``track``
event passes the track alone, and so does ours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class RTCTrackEvent:
    receiver: Any
    track: Any
    transceiver: Any


__all__ = ["RTCTrackEvent"]
