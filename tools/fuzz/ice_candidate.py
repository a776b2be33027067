"""Fuzz target: remote ICE candidates, through every way the package takes them.

Input: four selector bytes, then text (UTF-8; byte 3 picks how invalid bytes are decoded).
Byte 0 picks the entry point (FORMS), byte 1 the sdpMid, byte 2 the sdpMLineIndex (MIDS,
INDEXES; a mid of TEXT comes from the text, up to its first newline). The text is the
candidate line ("candidate:" optional) or, for the "signaling-json" form with bit 1 of
byte 3 set, a whole signaling message.

Candidates go to one connection per layer in have-remote-offer (our offer: mids 0, 1, 2),
made again every RECYCLE_AFTER inputs. What each entry point documents:
- webrtc.RTCIceCandidate(): TypeError (argument types), ValueError (a malformed line);
  webrtc addIceCandidate: ValueError, OperationError (no such media section), and for an
  RTCIceCandidateInit dict the constructor's TypeError;
- aiortc_compat.sdp.candidate_from_sdp: AssertionError (under 8 fields), ValueError, as
  aiortc's (the oracle, when installed); compat addIceCandidate and
  RTCIceTransport.addRemoteCandidate: ValueError (a candidate for no known section is
  logged and ignored, as in aiortc);
- contrib.signaling.object_from_string: what aiortc's raises for the same message.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from _aiortc_oracle import aiortc_signaling, aiortc_sdp, documented_type, outcome, plain
from _fuzzinput import TEXT_ERRORS, FuzzInput
from _harness import Finding, ResourceWatch, check_refusal, instrumented, main, run

with instrumented(__file__):
    import webrtc
    from webrtc import aiortc_compat as compat
    from webrtc.aiortc_compat import sdp as compat_sdp
    from webrtc.aiortc_compat.contrib import signaling as compat_signaling

from _peers import cached_offer, new_pc

FORMS = ("w3c-object", "w3c-dict", "compat-from-sdp", "compat-w3c-object", "signaling-json",
         "compat-ice-transport")
TEXT = object()  # the mid is read from the text
MIDS = (None, "0", "1", "2", "9", "", TEXT, "\u00e9")
INDEXES = (None, 0, 1, 2, 7, -1, 65536, "0")
RECYCLE_AFTER = 300
# What object_from_string may raise on a message it does not understand, as aiortc's does:
# JSON errors, a missing key, a message or field of the wrong type, an unknown type.
SIGNALING_REFUSALS = (ValueError, KeyError, TypeError, AttributeError, AssertionError,
                      IndexError)

watch = ResourceWatch()


class Peers:
    """One connection per layer with our offer applied as the remote description."""

    def __init__(self) -> None:
        self.w3c: Any = None
        self.compat: Any = None
        self.inputs = 0

    async def ready(self) -> None:
        self.inputs += 1
        if self.w3c is not None and self.inputs % RECYCLE_AFTER:
            return
        await self.close()
        offer = await cached_offer()
        self.w3c, self.compat = new_pc(webrtc), new_pc(compat)
        await self.w3c.setRemoteDescription(webrtc.RTCSessionDescription(sdp=offer, type="offer"))
        await self.compat.setRemoteDescription(compat.RTCSessionDescription(sdp=offer, type="offer"))

    async def close(self) -> None:
        for pc in (self.w3c, self.compat):
            if pc is not None:
                await pc.close()
        self.w3c = self.compat = None


peers = Peers()


def attribute_value(line: str) -> str:
    """The candidate attribute's value, as aiortc's candidate_from_sdp takes it."""
    for prefix in ("a=", "candidate:"):
        if line.startswith(prefix):
            line = line[len(prefix):]
    return line


async def add_w3c(candidate: Any) -> None:
    # A dict is converted to an RTCIceCandidate first, with its TypeErrors (WebIDL's).
    refusals = (ValueError, webrtc.OperationError) + ((TypeError,) if isinstance(candidate, dict) else ())
    try:
        await peers.w3c.addIceCandidate(candidate)
    except Exception as exc:
        check_refusal(exc, refusals, "webrtc addIceCandidate")


async def add_compat(candidate: Any, through_transport: bool = False) -> None:
    try:
        if through_transport:
            await peers.compat.sctp.transport.transport.addRemoteCandidate(candidate)
        else:
            await peers.compat.addIceCandidate(candidate)
    except Exception as exc:
        check_refusal(exc, (ValueError,), "compat addIceCandidate")


def from_sdp(value: str) -> Any:
    """compat candidate_from_sdp, checked against aiortc's; None when refused."""
    kind, mine = outcome(compat_sdp.candidate_from_sdp, value)
    if kind == "raised":
        check_refusal(mine, (AssertionError, ValueError), "candidate_from_sdp")
    if aiortc_sdp is not None:
        their_kind, theirs = outcome(aiortc_sdp.candidate_from_sdp, value)
        too_long = len(value) > webrtc.rtcicecandidate.MAX_CANDIDATE_LENGTH  # ours alone
        if their_kind == "ok" and kind == "ok" and plain(mine) != plain(theirs):
            raise Finding(f"candidate_from_sdp: {mine!r}, aiortc {theirs!r}")
        if their_kind == "ok" and kind == "raised" and not too_long:
            raise Finding(f"candidate_from_sdp: aiortc parsed, ours raised {mine!r}")
        if their_kind == "raised" and kind == "ok":
            raise Finding(f"candidate_from_sdp: aiortc raised {theirs!r}, ours parsed")
        if their_kind == "raised" and type(mine) is not documented_type(theirs):
            raise Finding(f"candidate_from_sdp: aiortc raised {theirs!r}, ours {mine!r}")
    return mine if kind == "ok" else None


def from_signaling(message: str) -> Any:
    """contrib.signaling.object_from_string, checked against aiortc's; None when refused."""
    kind, mine = outcome(compat_signaling.object_from_string, message)
    if kind == "raised":
        check_refusal(mine, SIGNALING_REFUSALS, "object_from_string", exact=False)
    if aiortc_signaling is not None:
        their_kind, theirs = outcome(aiortc_signaling.object_from_string, message)
        if their_kind == "ok" and kind == "raised":
            raise Finding(f"object_from_string: aiortc understood it, ours raised {mine!r}")
        if their_kind == "ok" and plain(mine) != plain(theirs):
            raise Finding(f"object_from_string: {mine!r}, aiortc {theirs!r}")
    return mine if kind == "ok" else None


async def feed(form: str, line: str, mid: Any, index: Any, raw_message: bool) -> None:
    await peers.ready()
    if form in ("w3c-object", "compat-w3c-object"):
        try:
            candidate = webrtc.RTCIceCandidate(line, sdpMid=mid, sdpMLineIndex=index)
        except Exception as exc:
            check_refusal(exc, (TypeError, ValueError), "webrtc.RTCIceCandidate")
            return
        candidate.toJSON(), candidate.foundation, candidate.component, candidate.port
        if form == "w3c-object":
            await add_w3c(candidate)
        else:
            await add_compat(candidate)
    elif form == "w3c-dict":
        await add_w3c({"candidate": line, "sdpMid": mid, "sdpMLineIndex": index})
    elif form in ("compat-from-sdp", "compat-ice-transport"):
        candidate = from_sdp(attribute_value(line))
        if candidate is not None:
            candidate.sdpMid, candidate.sdpMLineIndex = mid, index
            await add_compat(candidate, through_transport=form == "compat-ice-transport")
    else:
        message = line if raw_message else json.dumps(
            {"type": "candidate", "candidate": line, "id": mid, "label": index})
        received = from_signaling(message)
        if isinstance(received, compat.RTCIceCandidate):
            await add_compat(received)


def TestOneInput(data: bytes) -> None:
    reader = FuzzInput(data)
    form = FORMS[reader.byte() % len(FORMS)]
    mid = MIDS[reader.byte() % len(MIDS)]
    index = INDEXES[reader.byte() % len(INDEXES)]
    mode = reader.byte()
    text = reader.text(reader.rest(), TEXT_ERRORS[mode & 1])
    if mid is TEXT:
        mid, _, text = text.partition("\n")
    run(feed(form, text, mid, index, raw_message=bool(mode & 2)), f"a candidate ({form})")
    watch.tick()


def teardown() -> None:
    run(peers.close(), "closing the connections")


def seeds(candidates: list[str]) -> dict[str, bytes]:
    """Each candidate line (tools/fuzz/make_corpus.py) through two of the forms, taking
    the forms in turn, with mid "0"."""
    out = {}
    for number, line in enumerate(candidates):
        for form_index in (number % len(FORMS), (number + 3) % len(FORMS)):
            selector = bytes([form_index, MIDS.index("0"), INDEXES.index(None), 0])
            out[f"candidate{number:02}-{FORMS[form_index]}"] = selector + line.encode()
    return out


if __name__ == "__main__":
    sys.exit(main(TestOneInput, teardown))
