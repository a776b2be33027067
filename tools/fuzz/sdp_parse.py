"""Fuzz target: webrtc.aiortc_compat.sdp.SessionDescription.parse and str(), which aiortc
code runs on descriptions from the other side.

Input: a byte whose bit 0 picks how bytes that are not UTF-8 become text, then the SDP.

The module's own rules: parse() returns or raises AssertionError or ValueError; str() of a
parsed description returns or raises ValueError (an address that is not an IP address).
With aiortc installed, aiortc 1.16 is the oracle: where it parses, ours gives the same
objects, the same text and the same track ids; where it raises, ours raises the type
_aiortc_oracle.documented_type() names.
"""

from __future__ import annotations

import sys

from _aiortc_oracle import aiortc_sdp, documented_type, outcome, plain
from _fuzzinput import TEXT_ERRORS, FuzzInput
from _harness import Finding, check_refusal, instrumented, main

with instrumented(__file__):
    from webrtc.aiortc_compat import sdp as compat_sdp


def parse_ours(sdp: str):
    try:
        return compat_sdp.SessionDescription.parse(sdp)
    except Exception as exc:
        check_refusal(exc, (AssertionError, ValueError), "SessionDescription.parse")
        return exc


def text_of(description) -> str | Exception:
    try:
        return str(description)
    except Exception as exc:
        check_refusal(exc, (ValueError,), "str(SessionDescription)")
        return exc


def compare_with_aiortc(sdp: str, mine) -> None:
    their_kind, theirs = outcome(aiortc_sdp.SessionDescription.parse, sdp)
    if their_kind == "raised":
        if not isinstance(mine, Exception):
            raise Finding(f"aiortc raised {theirs!r}, ours parsed")
        if type(mine) is not documented_type(theirs):
            raise Finding(f"aiortc raised {theirs!r}, ours {mine!r}")
        return
    if isinstance(mine, Exception):
        raise Finding(f"aiortc parsed, ours raised {mine!r}")
    if plain(mine) != plain(theirs):
        raise Finding("parsed objects differ from aiortc's")
    their_text, my_text = outcome(str, theirs), text_of(mine)
    if their_text[0] == "ok" and my_text != their_text[1]:
        raise Finding("str() differs from aiortc's")
    if their_text[0] == "raised" and (not isinstance(my_text, Exception)
                                      or type(my_text) is not documented_type(their_text[1])):
        raise Finding(f"aiortc's str() raised {their_text[1]!r}, ours gave {my_text!r:.200}")
    for my_media, their_media in zip(mine.media, theirs.media, strict=True):
        their_id = outcome(theirs.webrtc_track_id, their_media)
        my_id = mine.webrtc_track_id(my_media)
        # aiortc's IndexError on an msid without a track id: ours has no track id.
        if my_id != (their_id[1] if their_id[0] == "ok" else None):
            raise Finding(f"webrtc_track_id {my_id!r}, aiortc {their_id!r}")


def TestOneInput(data: bytes) -> None:
    reader = FuzzInput(data)
    errors = TEXT_ERRORS[reader.byte() & 1]
    sdp = reader.text(reader.rest(), errors)
    mine = parse_ours(sdp)
    if aiortc_sdp is not None:
        compare_with_aiortc(sdp, mine)
    elif not isinstance(mine, Exception):
        text_of(mine)
        for media in mine.media:
            mine.webrtc_track_id(media)


def seeds(material: dict[str, str]) -> dict[str, bytes]:
    """Each real description (tools/fuzz/make_corpus.py), decoded leniently."""
    return {name: b"\x00" + sdp.encode() for name, sdp in material.items()}


if __name__ == "__main__":
    sys.exit(main(TestOneInput))
