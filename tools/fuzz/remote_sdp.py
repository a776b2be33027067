"""Fuzz target: remote SDP through setRemoteDescription, in each signaling state (stable,
have-local-offer, have-remote-offer), on both layers (webrtc and webrtc.aiortc_compat).

Input: one selector byte, then the SDP. The selector's bit 0 picks the layer, (s >> 1) % 3
the state, (s // 6) % 3 the type (offer, answer, pranswer) and (s // 18) % 2 how bytes that
are not UTF-8 become text. A remote offer that is applied is answered (createAnswer,
setLocalDescription) as a real answerer would.

Each step works or is refused with one of REFUSALS (tests/sdp_mutator.py's rule); a refused
description leaves the signaling state as it was.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from _fuzzinput import TEXT_ERRORS, FuzzInput
from _harness import Finding, ResourceWatch, check_refusal, instrumented, main, run

with instrumented(__file__):
    import webrtc
    import webrtc.aiortc_compat  # noqa: F401  (imported here to be instrumented)

from _peers import LAYERS, add_offer_media, cached_offer, new_pc

STATES = ("stable", "have-local-offer", "have-remote-offer")
TYPES = ("offer", "answer", "pranswer")
# The signaling state an applied remote description of each type leads to.
STATE_AFTER = {"offer": "have-remote-offer", "answer": "stable", "pranswer": "have-remote-pranswer"}
# ValueError: our own checks and libwebrtc's syntax and parameter errors; the W3C names
# libwebrtc's other RTCError types map to (webrtc/exceptions.py). Exact types.
REFUSALS = (ValueError, webrtc.InvalidStateError, webrtc.OperationError,
            webrtc.InvalidModificationError)

watch = ResourceWatch()


def selector(byte: int) -> tuple[ModuleType, str, str, str]:
    return (LAYERS[byte & 1], STATES[(byte >> 1) % 3], TYPES[(byte // 6) % 3],
            TEXT_ERRORS[(byte // 18) % 2])


async def reach(pc: Any, layer: ModuleType, state: str) -> None:
    """Bring a fresh connection to `state` (steps that must work)."""
    if state == "have-local-offer":
        add_offer_media(pc)
        await pc.setLocalDescription(await pc.createOffer())
    elif state == "have-remote-offer":
        await pc.setRemoteDescription(layer.RTCSessionDescription(sdp=await cached_offer(), type="offer"))
    if pc.signalingState != state:
        raise Finding(f"setting up: signalingState {pc.signalingState!r}, not {state!r}")


def inspect(pc: Any) -> None:
    """Read what an applied remote description makes visible."""
    for transceiver in pc.getTransceivers():
        (transceiver.mid, transceiver.direction, transceiver.currentDirection)
        transceiver.receiver.track
    if pc.sctp is not None:
        pc.sctp.maxMessageSize
    pc.canTrickleIceCandidates


async def apply(layer: ModuleType, state: str, sdp_type: str, sdp: str) -> None:
    pc = new_pc(layer)
    try:
        await reach(pc, layer, state)
        description = layer.RTCSessionDescription(sdp=sdp, type=sdp_type)
        try:
            await pc.setRemoteDescription(description)
        except Exception as exc:
            check_refusal(exc, REFUSALS, f"setRemoteDescription({sdp_type}) in {state}")
            # libwebrtc moves the state before it pushes media parameters down and keeps it
            # when that fails: src/webrtc/_sdpmedia.py refuses such descriptions first.
            if pc.signalingState != state:
                raise Finding(f"a refused {sdp_type} moved {state!r} to {pc.signalingState!r}") from exc
            return
        if pc.signalingState != STATE_AFTER[sdp_type]:
            raise Finding(f"an applied {sdp_type} in {state!r} left {pc.signalingState!r}")
        if pc.remoteDescription != description:
            raise Finding("remoteDescription is not the description applied")
        inspect(pc)
        if sdp_type != "offer":
            return
        step = "createAnswer"
        try:
            answer = await pc.createAnswer()
            step = "setLocalDescription(answer)"
            await pc.setLocalDescription(answer)
        except Exception as exc:
            check_refusal(exc, REFUSALS, f"{step} after a remote offer in {state}")
            return
        inspect(pc)
    finally:
        await pc.close()


def TestOneInput(data: bytes) -> None:
    reader = FuzzInput(data)
    layer, state, sdp_type, errors = selector(reader.byte())
    sdp = reader.text(reader.rest(), errors)
    run(apply(layer, state, sdp_type, sdp), f"{layer.__name__} {sdp_type} in {state}")
    watch.tick()


def seeds(material: dict[str, str]) -> dict[str, bytes]:
    """Corpus inputs from real descriptions (tools/fuzz/make_corpus.py, names ending in
    "offer" or "answer"): each offer in both states that take one, each answer (and as a
    pranswer) in have-local-offer, on both layers."""
    def encode(layer: int, state: str, sdp_type: str) -> int:
        return layer | STATES.index(state) << 1 | TYPES.index(sdp_type) * 6

    out = {}
    for name, sdp in material.items():
        if name.endswith("offer"):
            uses = [("offer", "stable"), ("offer", "have-remote-offer")]
        else:
            uses = [("answer", "have-local-offer"), ("pranswer", "have-local-offer")]
        for layer, layer_name in enumerate(("w3c", "compat")):
            for sdp_type, state in uses:
                out[f"{name}-{layer_name}-{sdp_type}-{state}"] = (
                    bytes([encode(layer, state, sdp_type)]) + sdp.encode())
    return out


if __name__ == "__main__":
    sys.exit(main(TestOneInput))
