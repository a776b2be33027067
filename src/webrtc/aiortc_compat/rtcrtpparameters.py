"""aiortc.rtcrtpparameters: the capability and parameter dataclasses, with aiortc's fields.

The capabilities are the engine's (``RTCRtpSender.getCapabilities``). The parameter classes
describe negotiated RTP (aiortc's ORTC ``send()``/``receive()`` take them, and
``aiortc.sdp`` fills them when it parses a description); libwebrtc negotiates by itself, so
nothing here feeds the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..rtcrtpparameters import (
    RTCRtpCapabilities,
    RTCRtpCodecCapability,
    RTCRtpHeaderExtensionCapability,
)

ParametersDict = dict[str, int | str | None]


@dataclass
class RTCRtcpFeedback:
    """An a=rtcp-fb entry: ``type`` ("nack", "ccm", "goog-remb", ...) and its parameter."""

    type: str
    parameter: str | None = None


@dataclass
class RTCRtpCodecParameters:
    """A negotiated codec: its payload type, feedback and format parameters."""

    mimeType: str
    clockRate: int
    channels: int | None = None
    payloadType: int | None = None
    rtcpFeedback: list[RTCRtcpFeedback] = field(default_factory=list)
    parameters: ParametersDict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.mimeType.split("/")[1]

    def __str__(self) -> str:
        text = f"{self.name}/{self.clockRate}"
        if self.channels == 2:
            text += "/2"
        return text


@dataclass
class RTCRtpHeaderExtensionParameters:
    id: int
    uri: str


@dataclass
class RTCRtcpParameters:
    cname: str | None = None
    mux: bool = False
    ssrc: int | None = None


@dataclass
class RTCRtpRtxParameters:
    ssrc: int


@dataclass
class RTCRtpCodingParameters:
    ssrc: int
    payloadType: int
    rtx: RTCRtpRtxParameters | None = None


class RTCRtpDecodingParameters(RTCRtpCodingParameters):
    pass


class RTCRtpEncodingParameters(RTCRtpCodingParameters):
    pass


@dataclass
class RTCRtpParameters:
    codecs: list[RTCRtpCodecParameters] = field(default_factory=list)
    headerExtensions: list[RTCRtpHeaderExtensionParameters] = field(default_factory=list)
    muxId: str = ""
    rtcp: RTCRtcpParameters = field(default_factory=RTCRtcpParameters)


@dataclass
class RTCRtpReceiveParameters(RTCRtpParameters):
    encodings: list[RTCRtpDecodingParameters] = field(default_factory=list)


@dataclass
class RTCRtpSendParameters(RTCRtpParameters):
    encodings: list[RTCRtpEncodingParameters] = field(default_factory=list)


__all__ = [
    "RTCRtcpFeedback",
    "RTCRtcpParameters",
    "RTCRtpCapabilities",
    "RTCRtpCodecCapability",
    "RTCRtpCodecParameters",
    "RTCRtpCodingParameters",
    "RTCRtpDecodingParameters",
    "RTCRtpEncodingParameters",
    "RTCRtpHeaderExtensionCapability",
    "RTCRtpHeaderExtensionParameters",
    "RTCRtpParameters",
    "RTCRtpReceiveParameters",
    "RTCRtpRtxParameters",
    "RTCRtpSendParameters",
]
