"""Checks on SDP that libwebrtc (this version, with its DCHECKs on) does not make
itself: input that its parser accepts but that later crashes the process. Each rule names
the crash it prevents; tests/test_bad_input.py covers them."""

from __future__ import annotations

from typing import NamedTuple

_MEDIA_TYPES = {"audio", "video", "application"}
_SETUP_ROLES = {"actpass", "active", "passive"}
_MAX_MESSAGE_SIZE = "a=max-message-size:"
# RFC 8841: 0 means "no limit". libwebrtc's SCTP transport requires a positive size.
_NO_LIMIT = 1073741823


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
    # ICE credentials at session level, then per media section: (mid or index, port, found).
    session_credentials: set[str] = set()
    sections: list[list] = []
    for line in sdp.splitlines():
        if line.startswith(("a=ice-ufrag:", "a=ice-pwd:")) and line.split(":", 1)[1].strip():
            (sections[-1][2] if sections else session_credentials).add(line.split(":", 1)[0])
        elif line.startswith("a=mid:") and sections:
            sections[-1][0] = line[len("a=mid:"):].strip()
        if line.startswith("m="):
            fields = line[2:].split(" ")
            sections.append([len(sections), fields[1] if len(fields) > 1 else "", set()])
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
        # BUNDLE is applied only with the final answer, so each section of a provisional
        # answer gets an ICE transport of its own. One without credentials pairs its
        # candidates anyway, and the first ping hits a check (basic_ice_controller.cc,
        # "!remote.username().empty()") that aborts the process.
        for mid, port, credentials in sections:
            if port != "0" and len(credentials | session_credentials) < 2:
                raise ValueError(
                    f"invalid SDP: m-section {mid} of a pranswer has no ice-ufrag and ice-pwd")
    return PreparedSdp("\r\n".join(out) + "\r\n", max_message_size)
