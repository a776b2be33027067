"""aiortc.sdp: SDP text to and from aiortc's description objects, and the candidate helpers.

aiortc's peer connection keeps its descriptions as these objects. User code reads them to
look into a description (codecs and payload types, msids, candidates, ICE and DTLS
parameters) and edits them to write an SDP back. Our engine keeps its descriptions in
libwebrtc, so here they are only a reading of the text: ``SessionDescription.parse()`` and
``str()`` give what aiortc 1.16's give, field for field and character for character.

Malformed input raises AssertionError where aiortc asserts (the m= line, its payload types,
c= and a=rtcp addresses, candidates of fewer than 8 fields) and ValueError everywhere else,
including the lines where aiortc fails with KeyError, IndexError, AttributeError, TypeError
or StopIteration (an unknown a=setup role, an a=fmtp for a payload type without a=rtpmap,
an attribute without its value, ...). The assertions are raised explicitly, so they hold
under ``python -O`` too.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Union

from ..rtcicecandidate import MAX_CANDIDATE_LENGTH
from ._h264profile import BitPattern, H264Level, H264Profile, parse_h264_profile_level_id
from .rtcdtlstransport import RTCDtlsFingerprint, RTCDtlsParameters
from .rtcicetransport import RTCIceCandidate, RTCIceParameters
from .rtcrtpparameters import (
    ParametersDict,
    RTCRtcpFeedback,
    RTCRtpCodecParameters,
    RTCRtpHeaderExtensionParameters,
    RTCRtpParameters,
)
from .rtcsctptransport import RTCSctpCapabilities

DIRECTIONS = ["inactive", "sendonly", "recvonly", "sendrecv"]

# aiortc's DTLS role (RTCDtlsParameters.role) <-> the a=setup value (RFC 4145, RFC 5763).
DTLS_ROLE_SETUP = {"auto": "actpass", "client": "active", "server": "passive"}
DTLS_SETUP_ROLE = {setup: role for role, setup in DTLS_ROLE_SETUP.items()}

# fmtp parameters that aiortc reads as integers; every other value stays a string.
_INTEGER_PARAMETERS = frozenset(
    {"apt", "max-fr", "max-fs", "maxplaybackrate", "minptime", "stereo", "useinbandfec"}
)
# With RTP and RTCP on one port, payload types 72-76 would read as RTCP packet types
# (RFC 5761 section 4).
_RTCP_PAYLOAD_TYPES = range(72, 77)
# The a=ssrc attributes kept, in the order they are written back.
_SSRC_ATTRIBUTES = ("cname", "msid", "mslabel", "label")


# ---- candidates ----


def candidate_from_sdp(sdp: str) -> RTCIceCandidate:
    """Parse a candidate attribute value (without the "candidate:" prefix), as aiortc does:
    fewer than 8 fields fail an assertion, non-numeric numbers raise ValueError, and
    sdpMid/sdpMLineIndex are left for the caller to set."""
    if not isinstance(sdp, str):
        raise TypeError(f"candidate must be a str (got {type(sdp).__name__})")
    if len(sdp) > MAX_CANDIDATE_LENGTH:
        raise ValueError(f"candidate is too long ({len(sdp)} characters)")
    return _candidate(sdp)


def _candidate(sdp: str) -> RTCIceCandidate:
    # SessionDescription.parse reads candidates of any length, as aiortc does: nothing it
    # reads goes to the engine (addIceCandidate checks what does).
    bits = sdp.split()
    if len(bits) < 8:
        raise AssertionError(f"a candidate has at least 8 fields (got {len(bits)})")
    candidate = RTCIceCandidate(
        component=int(bits[1]),
        foundation=bits[0],
        ip=bits[4],
        port=int(bits[5]),
        priority=int(bits[3]),
        protocol=bits[2],
        type=bits[7],
    )
    for key, value in zip(bits[8::2], bits[9::2], strict=False):
        if key == "raddr":
            candidate.relatedAddress = value
        elif key == "rport":
            candidate.relatedPort = int(value)
        elif key == "tcptype":
            candidate.tcpType = value
    return candidate


def candidate_to_sdp(candidate: RTCIceCandidate) -> str:
    """The candidate attribute value for `candidate`, without the "candidate:" prefix."""
    text = (
        f"{candidate.foundation} {candidate.component} {candidate.protocol} "
        f"{candidate.priority} {candidate.ip} {candidate.port} typ {candidate.type}"
    )
    if candidate.relatedAddress is not None:
        text += f" raddr {candidate.relatedAddress}"
    if candidate.relatedPort is not None:
        text += f" rport {candidate.relatedPort}"
    if candidate.tcpType is not None:
        text += f" tcptype {candidate.tcpType}"
    return text


# ---- format parameters ----


def parameters_from_sdp(sdp: str) -> ParametersDict:
    """An a=fmtp value ("minptime=10;useinbandfec=1") as a dict. A parameter without "="
    maps to None; nothing is stripped, so " useinbandfec" is a different key, as in aiortc."""
    parameters: ParametersDict = {}
    for item in sdp.split(";"):
        key, equals, value = item.partition("=")
        if not equals:
            parameters[item] = None
        elif key in _INTEGER_PARAMETERS:
            try:
                parameters[key] = int(value)
            except ValueError:
                raise ValueError(f"fmtp parameter {key} is not an integer: {value!r}") from None
        else:
            parameters[key] = value
    return parameters


def parameters_to_sdp(parameters: ParametersDict) -> str:
    """The a=fmtp value for `parameters` (None values are written as a bare key)."""
    return ";".join(key if value is None else f"{key}={value}" for key, value in parameters.items())


# ---- the description objects ----


@dataclass
class GroupDescription:
    """An a=group (or a=msid-semantic, a=ssrc-group) value: its semantic and its items."""

    semantic: str
    items: list[Union[int, str]]

    def __str__(self) -> str:
        return f"{self.semantic} {' '.join(str(item) for item in self.items)}"


@dataclass
class SsrcDescription:
    """What the a=ssrc lines of one SSRC say about it."""

    ssrc: int
    cname: str | None = None
    msid: str | None = None
    mslabel: str | None = None
    label: str | None = None


class MediaDescription:
    """One m= section: its transport (ICE, DTLS, candidates), RTP or SCTP parameters and
    attributes, with aiortc's attribute names."""

    def __init__(self, kind: str, port: int, profile: str, fmt: list[Any]) -> None:
        self.kind = kind
        self.port = port
        self.host: str | None = None
        self.profile = profile
        self.direction: str | None = None
        self.msid: str | None = None

        self.rtcp_port: int | None = None
        self.rtcp_host: str | None = None
        self.rtcp_mux = False

        self.ssrc: list[SsrcDescription] = []
        self.ssrc_group: list[GroupDescription] = []

        # Payload types (ints) for audio and video, format names (strs) otherwise.
        self.fmt = fmt
        self.rtp = RTCRtpParameters()

        self.sctpCapabilities: RTCSctpCapabilities | None = None
        self.sctpmap: dict[int, str] = {}
        self.sctp_port: int | None = None

        self.dtls: RTCDtlsParameters | None = None

        self.ice: RTCIceParameters | None = None
        self.ice_candidates: list[RTCIceCandidate] = []
        self.ice_candidates_complete = False
        self.ice_options: str | None = None

    def __str__(self) -> str:
        lines = [f"m={self.kind} {self.port} {self.profile} {' '.join(map(str, self.fmt))}"]
        if self.host is not None:
            lines.append(f"c={_address_to_sdp(self.host)}")
        if self.direction is not None:
            lines.append(f"a={self.direction}")
        lines += [f"a=extmap:{ext.id} {ext.uri}" for ext in self.rtp.headerExtensions]
        if self.rtp.muxId:
            lines.append(f"a=mid:{self.rtp.muxId}")
        if self.msid:
            lines.append(f"a=msid:{self.msid}")
        # a=rtcp-mux is written only together with a=rtcp, as aiortc does.
        if self.rtcp_port is not None:
            rtcp = f"a=rtcp:{self.rtcp_port}"
            if self.rtcp_host is not None:
                rtcp += f" {_address_to_sdp(self.rtcp_host)}"
            lines.append(rtcp)
            if self.rtcp_mux:
                lines.append("a=rtcp-mux")

        lines += [f"a=ssrc-group:{group}" for group in self.ssrc_group]
        for info in self.ssrc:
            for name in _SSRC_ATTRIBUTES:
                value = getattr(info, name)
                if value is not None:
                    lines.append(f"a=ssrc:{info.ssrc} {name}:{value}")

        for codec in self.rtp.codecs:
            lines.append(f"a=rtpmap:{codec.payloadType} {codec}")
            for feedback in codec.rtcpFeedback:
                text = feedback.type
                if feedback.parameter:
                    text += f" {feedback.parameter}"
                lines.append(f"a=rtcp-fb:{codec.payloadType} {text}")
            parameters = parameters_to_sdp(codec.parameters)
            if parameters:
                lines.append(f"a=fmtp:{codec.payloadType} {parameters}")

        lines += [f"a=sctpmap:{number} {text}" for number, text in self.sctpmap.items()]
        if self.sctp_port is not None:
            lines.append(f"a=sctp-port:{self.sctp_port}")
        if self.sctpCapabilities is not None:
            lines.append(f"a=max-message-size:{self.sctpCapabilities.maxMessageSize}")

        lines += [f"a=candidate:{candidate_to_sdp(c)}" for c in self.ice_candidates]
        if self.ice_candidates_complete:
            lines.append("a=end-of-candidates")
        # aiortc always sets `ice` when it parses or builds a section; one made by hand
        # without it simply has no ICE lines here.
        if self.ice is not None:
            if self.ice.usernameFragment is not None:
                lines.append(f"a=ice-ufrag:{self.ice.usernameFragment}")
            if self.ice.password is not None:
                lines.append(f"a=ice-pwd:{self.ice.password}")
        if self.ice_options is not None:
            lines.append(f"a=ice-options:{self.ice_options}")

        if self.dtls is not None:
            lines += [f"a=fingerprint:{fp.algorithm} {fp.value}" for fp in self.dtls.fingerprints]
            if self.dtls.role not in DTLS_ROLE_SETUP:
                raise ValueError(
                    f"DTLS role must be one of {list(DTLS_ROLE_SETUP)} (got {self.dtls.role!r})"
                )
            lines.append(f"a=setup:{DTLS_ROLE_SETUP[self.dtls.role]}")
        return "\r\n".join(lines) + "\r\n"


class SessionDescription:
    """A whole description: the session lines and its media sections (``media``)."""

    def __init__(self) -> None:
        self.version = 0
        self.origin: str | None = None
        self.name = "-"
        self.time = "0 0"
        self.host: str | None = None
        self.group: list[GroupDescription] = []
        self.msid_semantic: list[GroupDescription] = []
        self.media: list[MediaDescription] = []
        self.type: str | None = None

    @classmethod
    def parse(cls, sdp: str) -> SessionDescription:
        """Read SDP text. ICE and DTLS attributes at session level are copied into every media
        section (sections may override them); a section without a=setup anywhere has
        ``dtls`` None. Unknown lines and attributes are skipped."""
        if not isinstance(sdp, str):
            raise TypeError(f"sdp must be a str (got {type(sdp).__name__})")
        session_lines, sections = _sections(sdp)
        session = cls()
        inherited = _SessionTransport()
        for line in session_lines:
            session._read_session_line(line, inherited)
        for lines in sections:
            session.media.append(_parse_media(lines, inherited))
        return session

    def webrtc_track_id(self, media: MediaDescription) -> str | None:
        """The track id of a=msid ("<stream> <track>") when an a=msid-semantic:WMS group
        lists the stream (or "*"); None otherwise."""
        if not any(m is media for m in self.media):
            raise AssertionError("the media section is not part of this description")
        if media.msid is None or " " not in media.msid:
            return None
        bits = media.msid.split()
        if len(bits) < 2:
            return None  # "stream " has no track id (aiortc fails with IndexError here)
        for group in self.msid_semantic:
            if group.semantic == "WMS" and (bits[0] in group.items or "*" in group.items):
                return bits[1]
        return None

    def __str__(self) -> str:
        lines = [f"v={self.version}", f"o={self.origin}", f"s={self.name}"]
        if self.host is not None:
            lines.append(f"c={_address_to_sdp(self.host)}")
        lines.append(f"t={self.time}")
        # ICE lite is one property of the whole agent; aiortc keeps it in each section.
        if any(m.ice is not None and m.ice.iceLite for m in self.media):
            lines.append("a=ice-lite")
        lines += [f"a=group:{group}" for group in self.group]
        lines += [f"a=msid-semantic:{group}" for group in self.msid_semantic]
        return "\r\n".join(lines) + "\r\n" + "".join(str(m) for m in self.media)

    def _read_session_line(self, line: str, inherited: _SessionTransport) -> None:
        # v=, o=, s=, t= lose trailing whitespace; c= and attributes are read as written.
        if line.startswith("v="):
            self.version = _integer(line.rstrip()[2:], line)
        elif line.startswith("o="):
            self.origin = line.rstrip()[2:]
        elif line.startswith("s="):
            self.name = line.rstrip()[2:]
        elif line.startswith("c="):
            self.host = _address_from_sdp(line[2:], line)
        elif line.startswith("t="):
            self.time = line.rstrip()[2:]
        elif line.startswith("a="):
            name, value = _attribute(line)
            if name == "fingerprint":
                inherited.fingerprints.append(_fingerprint(value, line))
            elif name == "ice-lite":
                inherited.ice_lite = True
            elif name == "ice-options":
                inherited.ice_options = value
            elif name == "ice-pwd":
                inherited.ice_password = value
            elif name == "ice-ufrag":
                inherited.ice_username_fragment = value
            elif name == "group":
                _add_group(self.group, value, line)
            elif name == "msid-semantic":
                _add_group(self.msid_semantic, value, line)
            elif name == "setup":
                inherited.dtls_role = _dtls_role(value, line)


# ---- parsing ----


@dataclass
class _SessionTransport:
    """The session-level ICE and DTLS attributes, the defaults of every media section."""

    fingerprints: list[RTCDtlsFingerprint] = field(default_factory=list)
    dtls_role: str | None = None
    ice_lite: bool = False
    ice_options: str | None = None
    ice_password: str | None = None
    ice_username_fragment: str | None = None


def _sections(sdp: str) -> tuple[list[str], list[list[str]]]:
    """The session lines, then the lines of each media section (each starting with m=)."""
    session: list[str] = []
    sections: list[list[str]] = []
    for line in sdp.splitlines():
        if line.startswith("m="):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
        else:
            session.append(line)
    return session, sections


def _media_from_m_line(line: str) -> MediaDescription:
    """m=<kind> <port> <profile> <formats>: fields separated by single spaces, the port in
    ASCII digits, the profile in capitals and slashes. Anything else fails an assertion, as do
    payload types that are out of range or collide with RTCP."""
    fields = line[2:].split(" ", 3)
    if not (
        len(fields) == 4
        and fields[0]
        and fields[1].isascii() and fields[1].isdigit()
        and fields[2] and all("A" <= char <= "Z" or char == "/" for char in fields[2])
        and fields[3]
    ):
        raise AssertionError(f"invalid m= line {line!r}")
    kind, port, profile, formats = fields
    fmt: list[Any] = formats.split()
    if kind in ("audio", "video"):
        fmt = [_integer(text, line) for text in fmt]
        for payload_type in fmt:
            if not 0 <= payload_type < 256 or payload_type in _RTCP_PAYLOAD_TYPES:
                raise AssertionError(f"invalid payload type {payload_type} in {line!r}")
    return MediaDescription(kind=kind, port=_integer(port, line), profile=profile, fmt=fmt)


def _parse_media(lines: list[str], inherited: _SessionTransport) -> MediaDescription:
    media = _media_from_m_line(lines[0])
    media.dtls = RTCDtlsParameters(
        fingerprints=list(inherited.fingerprints), role=inherited.dtls_role  # type: ignore[arg-type]
    )
    media.ice = RTCIceParameters(
        usernameFragment=inherited.ice_username_fragment,
        password=inherited.ice_password,
        iceLite=inherited.ice_lite,
    )
    media.ice_options = inherited.ice_options

    ssrcs: dict[int, SsrcDescription] = {}
    for line in lines[1:]:
        if line.startswith("c="):
            media.host = _address_from_sdp(line[2:], line)
        elif line.startswith("a="):
            _read_media_attribute(media, line, ssrcs)
    if media.dtls.role is None:
        media.dtls = None

    # a=fmtp and a=rtcp-fb refer to payload types, which all of a=rtpmap has to name first.
    by_payload_type: dict[str, list[RTCRtpCodecParameters]] = defaultdict(list)
    for codec in media.rtp.codecs:
        by_payload_type[str(codec.payloadType)].append(codec)
    for line in lines[1:]:
        if line.startswith("a="):
            _read_codec_attribute(media, line, by_payload_type)
    return media


def _read_media_attribute(
    media: MediaDescription, line: str, ssrcs: dict[int, SsrcDescription]
) -> None:
    assert media.dtls is not None and media.ice is not None
    name, value = _attribute(line)
    if name == "candidate":
        try:
            media.ice_candidates.append(_candidate(_required(value, line)))
        except ValueError as error:
            raise _malformed(line, str(error)) from None
    elif name == "end-of-candidates":
        media.ice_candidates_complete = True
    elif name == "extmap":
        number, uri = _fields(value, line, 2)
        # "<id>/<direction>": the direction is not kept.
        id_and_direction = number.split("/")
        if len(id_and_direction) > 2:
            raise _malformed(line, "an extension id has at most one direction")
        media.rtp.headerExtensions.append(
            RTCRtpHeaderExtensionParameters(id=_integer(id_and_direction[0], line), uri=uri)
        )
    elif name == "fingerprint":
        media.dtls.fingerprints.append(_fingerprint(value, line))
    elif name == "ice-options":
        media.ice_options = value
    elif name == "ice-pwd":
        media.ice.password = value
    elif name == "ice-ufrag":
        media.ice.usernameFragment = value
    elif name == "max-message-size":
        media.sctpCapabilities = RTCSctpCapabilities(maxMessageSize=_integer(value, line))
    elif name == "mid":
        media.rtp.muxId = value  # type: ignore[assignment]  # None for a bare "a=mid"
    elif name == "msid":
        media.msid = value
    elif name == "rtcp":
        port, space, address = _required(value, line).partition(" ")
        media.rtcp_port = _integer(port, line)
        if space:
            media.rtcp_host = _address_from_sdp(address, line)
    elif name == "rtcp-mux":
        media.rtcp_mux = True
    elif name == "setup":
        media.dtls.role = _dtls_role(value, line)
    elif name in DIRECTIONS:
        media.direction = name
    elif name == "rtpmap":
        media.rtp.codecs.append(_codec(media.kind, value, line))
    elif name == "sctpmap":
        number, text = _fields(value, line, 2, " ")
        media.sctpmap[_integer(number, line)] = text
    elif name == "sctp-port":
        media.sctp_port = _integer(value, line)
    elif name == "ssrc-group":
        _add_group(media.ssrc_group, value, line, ssrcs=True)
    elif name == "ssrc":
        number, description = _fields(value, line, 2, " ")
        ssrc = _integer(number, line)
        attribute, colon, text = description.partition(":")
        if not colon:
            raise _malformed(line, "expected <ssrc> <attribute>:<value>")
        info = ssrcs.get(ssrc)
        if info is None:
            info = ssrcs[ssrc] = SsrcDescription(ssrc=ssrc)
            media.ssrc.append(info)
        if attribute in _SSRC_ATTRIBUTES:
            setattr(info, attribute, text)


def _read_codec_attribute(
    media: MediaDescription, line: str, by_payload_type: dict[str, list[RTCRtpCodecParameters]]
) -> None:
    name, value = _attribute(line)
    if name == "fmtp":
        number, text = _fields(value, line, 2, " ")
        codecs = by_payload_type.get(str(_integer(number, line)))
        if not codecs:
            raise _malformed(line, "no a=rtpmap for this payload type")
        try:
            codecs[0].parameters = parameters_from_sdp(text)
        except ValueError as error:
            raise _malformed(line, str(error)) from None
    elif name == "rtcp-fb":
        bits = _required(value, line).split(" ", 2)
        codecs = media.rtp.codecs if bits[0] == "*" else by_payload_type.get(bits[0], [])
        if codecs and len(bits) < 2:
            raise _malformed(line, "expected <payload type> <feedback type>")
        for codec in codecs:
            codec.rtcpFeedback.append(
                RTCRtcpFeedback(type=bits[1], parameter=bits[2] if len(bits) > 2 else None)
            )


def _codec(kind: str, value: str | None, line: str) -> RTCRtpCodecParameters:
    """a=rtpmap:<payload type> <name>/<clock rate>[/<channels>]; audio without a channel
    count has one channel, other kinds have None."""
    number, description = _fields(value, line, 2, " ")
    bits = description.split("/")
    if len(bits) < 2:
        raise _malformed(line, "expected <name>/<clock rate>")
    channels: int | None = None
    if kind == "audio":
        channels = _integer(bits[2], line) if len(bits) > 2 else 1
    return RTCRtpCodecParameters(
        mimeType=f"{kind}/{bits[0]}",
        clockRate=_integer(bits[1], line),
        channels=channels,
        payloadType=_integer(number, line),
    )


def _attribute(line: str) -> tuple[str, str | None]:
    """An a= line's name and the text after its first colon (None without a colon)."""
    name, colon, value = line[2:].partition(":")
    return name, value if colon else None


def _add_group(
    groups: list[GroupDescription], value: str | None, line: str, ssrcs: bool = False
) -> None:
    """Append the group in `value` ("<semantic> <item>..."; the items of an a=ssrc-group
    are SSRCs, so integers). A blank value adds nothing."""
    bits = _required(value, line).split()
    if bits:
        items: list[Union[int, str]] = list(bits[1:])
        if ssrcs:
            items = [_integer(item, line) for item in bits[1:]]
        groups.append(GroupDescription(semantic=bits[0], items=items))


def _fingerprint(value: str | None, line: str) -> RTCDtlsFingerprint:
    algorithm, digest = _fields(value, line, 2)
    return RTCDtlsFingerprint(algorithm=algorithm, value=digest)


def _dtls_role(value: str | None, line: str) -> str:
    if value not in DTLS_SETUP_ROLE:
        raise _malformed(line, f"a=setup must be one of {list(DTLS_SETUP_ROLE)}")
    return DTLS_SETUP_ROLE[value]


def _address_from_sdp(text: str, line: str) -> str:
    """The address of "IN IP4 <address>" or "IN IP6 <address>" (not checked until written)."""
    fields = text.split(" ")
    if len(fields) != 3 or fields[0] != "IN" or fields[1] not in ("IP4", "IP6") or not fields[2]:
        raise AssertionError(f"invalid connection address in {line!r}")
    return fields[2]


def _address_to_sdp(address: str) -> str:
    """ "IN IP4 <address>" or "IN IP6 <address>"; ValueError for anything but an IP address."""
    return f"IN IP{ipaddress.ip_address(address).version} {address}"


def _required(value: str | None, line: str) -> str:
    if value is None:
        raise _malformed(line, "the attribute has no value")
    return value


def _fields(value: str | None, line: str, count: int, separator: str | None = None) -> list[str]:
    """`value` split into exactly `count` fields: at whitespace, or at the first
    `count - 1` occurrences of `separator` (the last field keeps the rest)."""
    text = _required(value, line)
    fields = text.split() if separator is None else text.split(separator, count - 1)
    if len(fields) != count:
        raise _malformed(line, f"expected {count} fields")
    return fields


def _integer(text: str, line: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise _malformed(line, f"{text!r} is not an integer") from None


def _malformed(line: str, reason: str) -> ValueError:
    shown = line if len(line) <= 200 else line[:200] + "..."
    return ValueError(f"invalid SDP line {shown!r}: {reason}")


__all__ = [
    "DIRECTIONS",
    "DTLS_ROLE_SETUP",
    "DTLS_SETUP_ROLE",
    "BitPattern",
    "GroupDescription",
    "H264Level",
    "H264Profile",
    "MediaDescription",
    "SessionDescription",
    "SsrcDescription",
    "candidate_from_sdp",
    "candidate_to_sdp",
    "parameters_from_sdp",
    "parameters_to_sdp",
    "parse_h264_profile_level_id",
]
