"""RTP capabilities and parameters, as the W3C spec and aiortc shape them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RTCRtpCodecCapability:
    """A codec the engine can send or receive (``RTCRtpSender.getCapabilities(kind)``)."""

    mimeType: str
    clockRate: int
    channels: int | None = None
    parameters: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.mimeType.split("/")[1]


@dataclass
class RTCRtpHeaderExtensionCapability:
    uri: str


@dataclass
class RTCRtpCapabilities:
    codecs: list[RTCRtpCodecCapability] = field(default_factory=list)
    headerExtensions: list[RTCRtpHeaderExtensionCapability] = field(default_factory=list)


def capabilities(kind: str, sender: bool) -> RTCRtpCapabilities:
    from . import _native

    codecs, extensions = _native.get_capabilities(kind, sender)
    return RTCRtpCapabilities(
        codecs=[
            RTCRtpCodecCapability(mimeType=mime, clockRate=rate, channels=channels,
                                  parameters=dict(parameters))
            for mime, rate, channels, parameters in codecs
        ],
        headerExtensions=[RTCRtpHeaderExtensionCapability(uri=uri) for uri in extensions],
    )


def native_codecs(codecs: list) -> list[tuple]:
    """Codec capabilities as the native layer takes them; TypeError for anything else."""
    out = []
    for codec in codecs:
        mime = getattr(codec, "mimeType", None)
        rate = getattr(codec, "clockRate", None)
        if not isinstance(mime, str) or not isinstance(rate, int):
            raise TypeError(f"codecs must be RTCRtpCodecCapability objects (got {codec!r})")
        channels = getattr(codec, "channels", None)
        parameters = getattr(codec, "parameters", None) or {}
        out.append((mime, rate, channels, [(str(k), str(v)) for k, v in parameters.items()]))
    return out


__all__ = [
    "RTCRtpCapabilities",
    "RTCRtpCodecCapability",
    "RTCRtpHeaderExtensionCapability",
]
