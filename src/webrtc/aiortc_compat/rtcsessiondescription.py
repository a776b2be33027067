"""aiortc.rtcsessiondescription."""

from ..rtcsessiondescription import RTCSessionDescription

__all__ = ["RTCSessionDescription"]
