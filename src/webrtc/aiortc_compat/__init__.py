"""A drop-in namespace for aiortc 1.16 code: ``from webrtc.aiortc_compat import ...``.

The classes keep aiortc's names, signatures and behaviours; libwebrtc does the work. The
submodules mirror aiortc's (``.sdp``, ``.mediastreams``, ``.contrib.media``, ...), so
``from aiortc.X import Y`` becomes ``from webrtc.aiortc_compat.X import Y``.

The classes log under aiortc's logger names (``aiortc.rtcpeerconnection``,
``aiortc.rtcrtpsender``, ``aiortc.rtcdatachannel``, ...), so ``logging.getLogger("aiortc")``
tunes them as it tunes aiortc.
"""

import logging

from .exceptions import InvalidAccessError, InvalidStateError
from .mediastreams import AudioStreamTrack, MediaStreamError, MediaStreamTrack, VideoStreamTrack
from .rtcconfiguration import RTCBundlePolicy, RTCConfiguration, RTCIceServer, RTCIceTransportPolicy
from .rtcdatachannel import RTCDataChannel, RTCDataChannelParameters
from .rtcdtlstransport import RTCCertificate, RTCDtlsFingerprint, RTCDtlsParameters, RTCDtlsTransport
from .rtcicetransport import RTCIceCandidate, RTCIceGatherer, RTCIceParameters, RTCIceTransport
from .rtcpeerconnection import RTCPeerConnection
from .rtcrtpparameters import (
    RTCRtcpParameters,
    RTCRtpCapabilities,
    RTCRtpCodecCapability,
    RTCRtpCodecParameters,
    RTCRtpHeaderExtensionCapability,
    RTCRtpHeaderExtensionParameters,
    RTCRtpParameters,
)
from .rtcrtpreceiver import RTCRtpContributingSource, RTCRtpReceiver, RTCRtpSynchronizationSource
from .rtcrtpsender import RTCRtpSender
from .rtcrtptransceiver import RTCRtpTransceiver
from .rtcsctptransport import RTCSctpCapabilities, RTCSctpTransport
from .rtcsessiondescription import RTCSessionDescription
from ._zero_edit import install as install  # zero-edit mode (not one of aiortc's names)
from .stats import (
    RTCInboundRtpStreamStats,
    RTCOutboundRtpStreamStats,
    RTCRemoteInboundRtpStreamStats,
    RTCRemoteOutboundRtpStreamStats,
    RTCStatsReport,
    RTCTransportStats,
)

# As aiortc: nothing is printed unless the program configures logging.
logging.getLogger("aiortc").addHandler(logging.NullHandler())

# The aiortc release whose API this namespace reproduces.
__version__ = "1.16.0"

__all__ = [
    "RTCPeerConnection",
    "RTCSessionDescription",
    "RTCConfiguration",
    "RTCIceServer",
    "RTCBundlePolicy",
    "RTCIceTransportPolicy",
    "RTCIceCandidate",
    "RTCIceGatherer",
    "RTCIceParameters",
    "RTCIceTransport",
    "RTCCertificate",
    "RTCDtlsFingerprint",
    "RTCDtlsParameters",
    "RTCDtlsTransport",
    "RTCSctpCapabilities",
    "RTCSctpTransport",
    "RTCDataChannel",
    "RTCDataChannelParameters",
    "RTCRtpTransceiver",
    "RTCRtpSender",
    "RTCRtpReceiver",
    "RTCRtpCapabilities",
    "RTCRtpCodecCapability",
    "RTCRtpCodecParameters",
    "RTCRtpHeaderExtensionCapability",
    "RTCRtpHeaderExtensionParameters",
    "RTCRtpParameters",
    "RTCRtcpParameters",
    "RTCRtpContributingSource",
    "RTCRtpSynchronizationSource",
    "RTCStatsReport",
    "RTCInboundRtpStreamStats",
    "RTCOutboundRtpStreamStats",
    "RTCRemoteInboundRtpStreamStats",
    "RTCRemoteOutboundRtpStreamStats",
    "RTCTransportStats",
    "MediaStreamTrack",
    "AudioStreamTrack",
    "VideoStreamTrack",
    "MediaStreamError",
    "InvalidAccessError",
    "InvalidStateError",
]
