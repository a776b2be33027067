"""Checks on a remote description's media sections that libwebrtc M108 makes only after it
has moved the signaling state: when one of them fails there, the state stays moved and the
connection refuses every later offer and answer ("Session error code: ERROR_CONTENT"), by
design (libwebrtc cannot tell what it half applied). Refusing the same descriptions here,
before libwebrtc sees them, leaves the connection as it was, as the W3C spec requires.

Each rule mirrors one of libwebrtc's (named in it) and is no stricter: what passes here may
still fail there, but nothing libwebrtc would apply is refused. tests/test_bad_input.py
covers each rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

# Codecs that carry no media of their own (cricket::VideoCodec::GetCodecType).
_VIDEO_HELPERS = {"rtx", "red", "ulpfec", "flexfec-03"}
_AUDIO_HELPERS = {"cn", "telephone-event", "red"}
# Static audio payload types libwebrtc's parser knows without an rtpmap.
_STATIC_AUDIO = {0: ("pcmu", 8000, 1), 8: ("pcma", 8000, 1), 9: ("g722", 8000, 1)}
_RTPMAP = re.compile(r"(\d+) ([^/\s]+)/(\d+)(?:/(\d+))?")


@dataclass
class _Section:
    kind: str
    mid: str | None = None
    payload_types: list[int] = field(default_factory=list)
    codecs: dict[int, tuple[str, int, int]] = field(default_factory=dict)  # name, rate, channels
    parameters: dict[int, dict[str, str]] = field(default_factory=dict)
    extensions: dict[int, str] = field(default_factory=dict)
    ssrcs: dict[int, None] = field(default_factory=dict)  # in order of appearance
    ssrc_msids: set[str] = field(default_factory=set)
    ssrc_groups: list[tuple[str, list[int]]] = field(default_factory=list)
    direction: str = "sendrecv"
    rejected: bool = False


@cache
def _sendable(kind: str) -> frozenset[tuple[str, int, int | None]]:
    """(name, clock rate, channels) of every codec the engine can send."""
    from .rtcrtpparameters import capabilities

    return frozenset(
        (codec.mimeType.split("/", 1)[1].lower(), codec.clockRate, codec.channels)
        for codec in capabilities(kind, sender=True).codecs
    )


def _sections(sdp: str) -> tuple[list[_Section], list[set[str]]]:
    sections: list[_Section] = []
    bundles: list[set[str]] = []
    current: _Section | None = None
    default_direction = "sendrecv"  # a session-level direction applies to every section
    for raw in sdp.splitlines():
        line = raw.strip()
        if line.startswith("m="):
            fields = line[2:].split()
            current = None
            if len(fields) >= 3 and fields[0] in ("audio", "video"):
                current = _Section(fields[0], rejected=fields[1] == "0",
                                   direction=default_direction)
                current.payload_types = [int(pt) for pt in fields[3:] if pt.isdigit()]
                sections.append(current)
            continue
        if not line.startswith("a="):
            continue
        name, _, value = line[2:].partition(":")
        if current is None:
            if name == "group" and value.startswith("BUNDLE"):
                bundles.append(set(value.split()[1:]))
            elif name in ("sendrecv", "sendonly", "recvonly", "inactive") and not sections:
                default_direction = name
            continue
        if name == "mid":
            current.mid = value
        elif name == "rtpmap" and (match := _RTPMAP.fullmatch(value.strip())):
            pt, codec, rate, channels = match.groups()
            current.codecs[int(pt)] = (codec.lower(), int(rate), int(channels or 1))
        elif name == "fmtp" and " " in value:
            pt, parameters = value.split(" ", 1)
            if pt.isdigit():
                pairs = (item.partition("=") for item in parameters.split(";"))
                current.parameters[int(pt)] = {k.strip(): v.strip() for k, _, v in pairs}
        elif name == "extmap":
            ident, _, rest = value.partition(" ")
            ident = ident.split("/", 1)[0]
            if ident.isdigit() and rest:
                uri = rest.split()[0]
                if not 1 <= int(ident) <= 255:  # ValidateRtpExtensions: "Bad RTP extension ID"
                    raise ValueError(f"invalid SDP: RTP header extension id {ident} of {uri} "
                                     "is not in 1..255")
                if current.extensions.setdefault(int(ident), uri) != uri:
                    raise ValueError(  # ValidateRtpExtensions: "Duplicate RTP extension ID"
                        f"invalid SDP: RTP header extension id {ident} is given to both "
                        f"{current.extensions[int(ident)]} and {uri}")
        elif name == "ssrc":
            ssrc, _, attribute = value.partition(" ")
            if ssrc.isdigit():
                current.ssrcs[int(ssrc)] = None
                if attribute.startswith("msid:"):
                    current.ssrc_msids.add(attribute)
        elif name == "ssrc-group":
            semantics, *members = value.split()
            if all(member.isdigit() for member in members):
                current.ssrc_groups.append((semantics, [int(member) for member in members]))
        elif name in ("sendrecv", "sendonly", "recvonly", "inactive"):
            current.direction = name
    return sections, bundles


def _codecs(section: _Section) -> dict[int, tuple[str, int, int]]:
    """The section's codecs by payload type, as libwebrtc's parser builds them."""
    codecs = {}
    for pt in section.payload_types:
        if pt in section.codecs:
            codecs[pt] = section.codecs[pt]
        elif section.kind == "audio" and pt in _STATIC_AUDIO:
            codecs[pt] = _STATIC_AUDIO[pt]
    return codecs


def _check_video(section: _Section, where: str) -> None:
    codecs = _codecs(section)
    media = {pt: codec for pt, codec in codecs.items() if codec[0] not in _VIDEO_HELPERS}
    for pt, (name, _, _) in codecs.items():
        parameters = section.parameters.get(pt, {})
        if name == "rtx":  # WebRtcVideoChannel::MapCodecs
            apt = parameters.get("apt", "")
            target = codecs.get(int(apt)) if apt.isdigit() else None
            if target is None or (target[0] in _VIDEO_HELPERS and target[0] != "red"):
                raise ValueError(f"invalid SDP: {where}: RTX payload type {pt} has no "
                                 f"associated video or RED payload type (apt={apt or 'none'})")
        elif pt in media:  # VideoCodec::ValidateCodecFormat
            low, high = (parameters.get(f"x-google-{b}-bitrate", "") for b in ("min", "max"))
            if low.lstrip("-").isdigit() and high.lstrip("-").isdigit() and int(high) < int(low):
                raise ValueError(f"invalid SDP: {where}: payload type {pt} has "
                                 f"x-google-max-bitrate {high} below x-google-min-bitrate {low}")
    _check_rtx_ssrcs(section, where)
    if not media:  # ValidateCodecFormats
        raise ValueError(f"invalid SDP: {where}: no video codec, only "
                         f"{sorted({name for name, _, _ in codecs.values()}) or 'none'}")
    # GetChangedSendParameters: a peer that receives must offer something we can send.
    if section.direction in ("sendrecv", "recvonly"):
        names = {name for name, _, _ in _sendable("video")}
        if not any(name in names for name, _, _ in media.values()):
            raise ValueError(f"invalid SDP: {where}: none of the video codecs "
                             f"{sorted({n for n, _, _ in media.values()})} can be sent")


def _check_rtx_ssrcs(section: _Section, where: str) -> None:
    """ValidateStreamParams, for a section whose SSRCs are one track (the usual case; with
    several, which SSRCs are primary is libwebrtc's call)."""
    if not section.ssrcs or len(section.ssrc_msids) > 1:
        return
    groups = [(semantics, members) for semantics, members in section.ssrc_groups
              if members and members[0] in section.ssrcs]
    simulcast = next((members for semantics, members in groups if semantics == "SIM"), None)
    primaries = simulcast or [next(iter(section.ssrcs))]
    fid = {members[0]: members[1] for semantics, members in groups
           if semantics == "FID" and len(members) >= 2}
    rtx = [fid[primary] for primary in primaries if primary in fid]
    for ssrc in rtx:
        if ssrc not in section.ssrcs:
            raise ValueError(f"invalid SDP: {where}: RTX SSRC {ssrc} of an FID group has no "
                             "a=ssrc line")
    if rtx and len(rtx) != len(primaries):
        raise ValueError(f"invalid SDP: {where}: RTX SSRCs cover only some of the "
                         f"simulcast SSRCs {primaries}")


def _check_audio(section: _Section, where: str) -> None:
    # WebRtcVoiceMediaChannel::SetSendCodecs needs an encoder whatever the direction.
    sendable = _sendable("audio")
    codecs = _codecs(section).values()
    for name, rate, channels in codecs:
        if name in _AUDIO_HELPERS:
            continue
        if any(name == s_name and rate == s_rate and (name != "opus" or channels == s_channels)
               for s_name, s_rate, s_channels in sendable):
            return
    offered = sorted({f"{n}/{r}/{c}" for n, r, c in codecs})
    raise ValueError(f"invalid SDP: {where}: none of the audio codecs {offered or 'none'} "
                     "can be sent")


def check_remote_media(sdp: str) -> None:
    """Refuse, with ValueError, a remote description that libwebrtc would fail part-way."""
    sections, bundles = _sections(sdp)
    owner: dict[int, str | None] = {}
    for index, section in enumerate(sections):
        if section.rejected:
            continue
        where = f"m-section {section.mid if section.mid is not None else index}"
        if section.kind == "video":
            _check_video(section, where)
        else:
            _check_audio(section, where)
        # A bundled SSRC must be unique: answering would fail ("Failed to process the bundle").
        for ssrc in section.ssrcs:
            other = owner.setdefault(ssrc, section.mid)
            if other != section.mid and any({other, section.mid} <= group for group in bundles):
                raise ValueError(f"invalid SDP: SSRC {ssrc} is used by m-sections {other} "
                                 f"and {section.mid}")
