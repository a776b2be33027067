"""A drop-in namespace for aiortc 1.16 code: ``from webrtc.aiortc_compat import ...``.

The classes keep aiortc's names, signatures and behaviours; libwebrtc does the work.
"""

from .rtcrtptransceiver import RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver
from ..rtcsctptransport import RTCSctpTransport
from .exceptions import InvalidAccessError, InvalidStateError
from .mediastreams import AudioStreamTrack, MediaStreamError, MediaStreamTrack, VideoStreamTrack
from .rtcrtpparameters import (
    RTCRtpCapabilities,
    RTCRtpCodecCapability,
    RTCRtpHeaderExtensionCapability,
)
from .rtcconfiguration import RTCBundlePolicy, RTCConfiguration, RTCIceServer, RTCIceTransportPolicy
from .rtcdatachannel import RTCDataChannel, RTCDataChannelParameters
from .rtcicetransport import RTCIceCandidate
from .rtcpeerconnection import RTCPeerConnection
from .rtcsessiondescription import RTCSessionDescription
from .stats import RTCStatsReport

__all__ = [
    "AudioStreamTrack",
    "VideoStreamTrack",
    "RTCRtpCapabilities",
    "RTCRtpCodecCapability",
    "RTCRtpHeaderExtensionCapability",
    "InvalidAccessError",
    "InvalidStateError",
    "MediaStreamError",
    "MediaStreamTrack",
    "RTCBundlePolicy",
    "RTCConfiguration",
    "RTCDataChannel",
    "RTCDataChannelParameters",
    "RTCIceCandidate",
    "RTCIceServer",
    "RTCIceTransportPolicy",
    "RTCPeerConnection",
    "RTCRtpReceiver",
    "RTCRtpSender",
    "RTCRtpTransceiver",
    "RTCSctpTransport",
    "RTCSessionDescription",
    "RTCStatsReport",
]
