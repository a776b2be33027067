"""RTCConfiguration and the dictionaries it holds (W3C webrtc-pc, section 4.2)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class RTCBundlePolicy(enum.Enum):
    """https://w3c.github.io/webrtc-pc/#dom-rtcbundlepolicy"""

    BALANCED = "balanced"
    MAX_COMPAT = "max-compat"
    MAX_BUNDLE = "max-bundle"


class RTCIceTransportPolicy(enum.Enum):
    """https://w3c.github.io/webrtc-pc/#dom-rtcicetransportpolicy"""

    ALL = "all"
    RELAY = "relay"


@dataclass
class RTCIceServer:
    """A STUN or TURN server: https://w3c.github.io/webrtc-pc/#dom-rtciceserver"""

    urls: str | list[str]
    username: str | None = None
    credential: str | None = None
    credentialType: str = "password"


@dataclass
class RTCConfiguration:
    """https://w3c.github.io/webrtc-pc/#dom-rtcconfiguration"""

    iceServers: list[RTCIceServer] | None = None
    iceTransportPolicy: RTCIceTransportPolicy | str = RTCIceTransportPolicy.ALL
    bundlePolicy: RTCBundlePolicy | str = RTCBundlePolicy.BALANCED
    # Accepted for aiortc compatibility; libwebrtc negotiates data channels when one exists.
    alwaysNegotiateDataChannels: bool = False


def enum_value(value, enum_type: type[enum.Enum], name: str) -> str:
    """The string value of an enum member or of one of its values given as a string."""
    if isinstance(value, enum_type):
        return value.value
    if isinstance(value, str):
        for member in enum_type:
            if member.value == value:
                return value
    allowed = ", ".join(repr(m.value) for m in enum_type)
    raise ValueError(f"{name} must be one of {allowed} (got {value!r})")


def native_ice_servers(servers: list[RTCIceServer] | None) -> list[tuple[list[str], str, str]]:
    """Validate iceServers and convert them to the native form (urls, username, credential)."""
    if servers is None:
        return []
    if not isinstance(servers, (list, tuple)):
        raise TypeError("iceServers must be a list of RTCIceServer")
    result = []
    for server in servers:
        urls = getattr(server, "urls", None)
        if isinstance(urls, str):
            urls = [urls]
        if not isinstance(urls, (list, tuple)) or not all(isinstance(u, str) for u in urls):
            raise TypeError("RTCIceServer.urls must be a str or a list of str")
        for url in urls:
            scheme = url.split(":", 1)[0].lower()
            if scheme not in ("stun", "stuns", "turn", "turns"):
                raise ValueError(f"malformed uri: invalid scheme in {url!r}")
            if scheme in ("turn", "turns") and (server.username is None or server.credential is None):
                raise ValueError(f"TURN server {url!r} needs a username and a credential")
        if getattr(server, "credentialType", "password") != "password":
            continue
        result.append((list(urls), server.username or "", server.credential or ""))
    return result
