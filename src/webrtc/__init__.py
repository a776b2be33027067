"""python-webrtc: Chrome's WebRTC engine (libwebrtc) with a W3C-shaped asyncio API.

For code written against aiortc, import from :mod:`webrtc.aiortc_compat` instead.
"""

import atexit
import logging
import os

from . import _native
from .exceptions import (
    InternalError,
    InvalidAccessError,
    InvalidModificationError,
    InvalidStateError,
    MessageTooLargeError,
    OperationError,
    RTCError,
    error_from_native,
)
from .audioframe import AudioFrame
from .mediastreams import AudioStreamTrack, MediaStreamError, MediaStreamTrack, VideoStreamTrack
from .remotestreamtrack import MediaStream, RemoteStreamTrack
from .rtctrackevent import RTCTrackEvent
from .videoframe import VideoFrame
from .rtcconfiguration import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
)
from .rtcdatachannel import RTCDataChannel
from .rtcicecandidate import RTCIceCandidate
from .rtcpeerconnection import RTCPeerConnection
from .rtcrtpparameters import (
    RTCRtpCapabilities,
    RTCRtpCodecCapability,
    RTCRtpHeaderExtensionCapability,
)
from .rtcrtpreceiver import RTCRtpReceiver
from .rtcrtpsender import RTCRtpEncodingParameters, RTCRtpSender, RTCRtpSendParameters
from .rtcrtptransceiver import RTCRtpTransceiver
from .rtcsctptransport import RTCSctpTransport
from .rtcsessiondescription import RTCSessionDescription
from .rtcstatsreport import RTCStatsReport

__version__ = "0.1.0"

__all__ = [
    "AudioFrame",
    "AudioStreamTrack",
    "VideoStreamTrack",
    "RTCRtpCapabilities",
    "RTCRtpCodecCapability",
    "RTCRtpEncodingParameters",
    "RTCRtpHeaderExtensionCapability",
    "RTCRtpSendParameters",
    "MediaStream",
    "MediaStreamError",
    "MediaStreamTrack",
    "RTCTrackEvent",
    "RemoteStreamTrack",
    "VideoFrame",
    "InternalError",
    "InvalidAccessError",
    "InvalidModificationError",
    "InvalidStateError",
    "MessageTooLargeError",
    "OperationError",
    "RTCError",
    "RTCBundlePolicy",
    "RTCConfiguration",
    "RTCDataChannel",
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
    "allow_loopback",
    "set_log_level",
    "shutdown",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def allow_loopback(allow: bool = True) -> None:
    """Gather ICE candidates on loopback interfaces (127.0.0.1), off by default as in browsers.

    Applies to peer connections created afterwards. The environment variable
    ``WEBRTC_ALLOW_LOOPBACK=1`` turns it on at import.
    """
    _native.allow_loopback(bool(allow))


def set_log_level(level: str) -> None:
    """libwebrtc's own log output on stderr: "none" (default), "error", "warning", "info",
    "verbose". The environment variable ``WEBRTC_LOG`` sets it at import."""
    try:
        _native.set_log_level(level)
    except ValueError:
        raise
    except Exception as exc:  # std::invalid_argument arrives as ValueError; be explicit
        raise ValueError(str(exc)) from None


def shutdown() -> None:
    """Close every peer connection and stop the engine. Runs by itself at interpreter exit."""
    _native.shutdown()


_native._set_error_factory(error_from_native)
set_log_level(os.environ.get("WEBRTC_LOG", "none"))
if os.environ.get("WEBRTC_ALLOW_LOOPBACK", "") not in ("", "0"):
    allow_loopback(True)
atexit.register(_native.shutdown)
