"""Checks on SDP that libwebrtc (this version, with its DCHECKs on) does not make
itself: input that its parser accepts but that later crashes the process. Each rule names
the crash it prevents; tests/test_bad_input.py covers them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

_MEDIA_TYPES = {"audio", "video", "application"}
_SETUP_ROLES = {"actpass", "active", "passive"}
_MAX_MESSAGE_SIZE = "a=max-message-size:"
# RFC 8841: 0 means "no limit". libwebrtc's SCTP transport requires a positive size.
_NO_LIMIT = 1073741823


@dataclass
class _IceSection:
    name: str  # its mid, or its index
    in_use: bool  # port not 0
    credentials: set[str] = field(default_factory=set)  # "ice-ufrag", "ice-pwd"


class PreparedSdp(NamedTuple):
    text: str  # what to hand to libwebrtc
    max_message_size: int | None  # a=max-message-size, if given ("no limit" made a number)


def prepare_sdp(sdp: str, sdp_type: str) -> PreparedSdp:
    """Validate a local or remote `sdp` and return the text to hand to libwebrtc.
    Raises ValueError."""
    try:
        sdp.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("invalid SDP: not encodable as UTF-8") from None
    out = []
    max_message_size = None
    for line in sdp.splitlines():
        if line.startswith("m="):
            media = line[2:].split(" ", 1)[0]
            # libwebrtc cannot serialize a description with an unknown media type: it
            # crashes writing the answer, or the local description itself.
            if media not in _MEDIA_TYPES:
                raise ValueError(f"invalid SDP: unsupported media type {media!r}")
        elif line.startswith("a=setup:"):
            # Any other role hits an unreachable-code check when answering.
            role = line[len("a=setup:"):].strip()
            if role not in _SETUP_ROLES:
                raise ValueError(
                    "invalid SDP: DTLS setup attribute must be 'actpass', 'active' or "
                    f"'passive' (got {role!r})"
                )
            if sdp_type == "answer" and role == "actpass":
                raise ValueError("DTLS setup attribute must be 'active' or 'passive' for an answer")
        elif line.startswith(_MAX_MESSAGE_SIZE):
            value = line[len(_MAX_MESSAGE_SIZE):].strip()
            if not value.isdigit():
                raise ValueError(f"invalid SDP: bad max-message-size {value!r}")
            max_message_size = int(value)
            if max_message_size == 0:
                max_message_size = _NO_LIMIT
                line = f"{_MAX_MESSAGE_SIZE}{_NO_LIMIT}"
        out.append(line)
    if sdp_type == "pranswer":
        _check_ice_credentials(sdp)
    return PreparedSdp("\r\n".join(out) + "\r\n", max_message_size)


def _check_ice_credentials(sdp: str) -> None:
    """Every section in use has an ice-ufrag and an ice-pwd, its own or the session's.

    For a pranswer: BUNDLE is applied only with the final answer, so each section of a
    provisional answer gets an ICE transport of its own. One without credentials pairs its
    candidates anyway, and the first ping hits a check (basic_ice_controller.cc,
    "!remote.username().empty()") that aborts the process."""
    session: set[str] = set()
    sections: list[_IceSection] = []
    for line in sdp.splitlines():
        if line.startswith("m="):
            fields = line[2:].split(" ")
            sections.append(_IceSection(str(len(sections)), len(fields) < 2 or fields[1] != "0"))
        elif line.startswith("a=mid:") and sections:
            sections[-1].name = line[len("a=mid:"):].strip()
        elif line.startswith(("a=ice-ufrag:", "a=ice-pwd:")):
            name, _, value = line[2:].partition(":")
            if value.strip():
                (sections[-1].credentials if sections else session).add(name)
    for section in sections:
        if section.in_use and len(section.credentials | session) < 2:
            raise ValueError(f"invalid SDP: m-section {section.name} of a pranswer has no "
                             "ice-ufrag and ice-pwd")
