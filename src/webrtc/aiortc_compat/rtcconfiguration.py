"""aiortc.rtcconfiguration: the same dataclasses and enums as :mod:`webrtc.rtcconfiguration`."""

from ..rtcconfiguration import RTCBundlePolicy, RTCConfiguration, RTCIceServer, RTCIceTransportPolicy

__all__ = ["RTCBundlePolicy", "RTCConfiguration", "RTCIceServer", "RTCIceTransportPolicy"]
