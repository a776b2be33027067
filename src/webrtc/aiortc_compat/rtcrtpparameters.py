"""aiortc.rtcrtpparameters: the capability dataclasses (same fields as aiortc's)."""

from ..rtcrtpparameters import (
    RTCRtpCapabilities,
    RTCRtpCodecCapability,
    RTCRtpHeaderExtensionCapability,
)

__all__ = ["RTCRtpCapabilities", "RTCRtpCodecCapability", "RTCRtpHeaderExtensionCapability"]
