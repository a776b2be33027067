"""Feeds mutated SDP to setRemoteDescription/createAnswer and setLocalDescription, for
tests/test_sdp_fuzz.py. Run as a script so that a crash shows as an exit status.

Usage: python sdp_mutator.py remote|local SEED COUNT
"""

from __future__ import annotations

import asyncio
import random
import sys

import aioice.ice
import aiortc

import webrtc
from webrtc import aiortc_compat as compat

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
webrtc.allow_loopback()

FRAGMENTS = ["0", "-1", "99999999999", "", " ", "x", ":", "65535", "\x00", "é"]
LINES = [
    "a=sctp-port:0", "a=max-message-size:0", "a=setup:active", "a=ice-ufrag:", "a=mid:",
    "m=application 9 UDP/DTLS/SCTP 5000", "m=audio 9 RTP/AVP 0", "a=rtpmap:96 opus/0/0",
    "a=fingerprint:sha-256 ZZ", "a=group:BUNDLE 7 8 9", "a=ssrc:0 cname:x", "a=extmap:99 urn:x",
    "a=rtcp-fb:* nack", "a=fmtp:97 apt=97", "a=ssrc-group:FID 1", "a=candidate:1 1 udp 1 127.0.0.1 9 typ host",
]


def mutate(rng: random.Random, sdp: str) -> str:
    lines = sdp.split("\r\n")
    for _ in range(rng.randint(1, 4)):
        k = rng.randrange(len(lines))
        op = rng.random()
        if op < 0.25:
            del lines[k]
        elif op < 0.45:
            lines.insert(k, rng.choice(lines))
        elif op < 0.8 and lines[k]:
            j = rng.randrange(len(lines[k]))
            lines[k] = lines[k][:j] + rng.choice(FRAGMENTS) + lines[k][j + 1 :]
        else:
            lines[k] = rng.choice(LINES)
    return "\r\n".join(lines)


def config(module):
    return module.RTCConfiguration(iceServers=[])


# The refusals the API documents for a description it will not apply: ValueError (our own
# checks and libwebrtc's syntax/parameter errors), and the W3C DOMException names libwebrtc's
# RTCError types map to. Exact classes: an AttributeError, IndexError, KeyError or TypeError
# from our own code is a bug, and so is a ValueError subclass such as UnicodeDecodeError.
REFUSALS = (ValueError, webrtc.InvalidStateError, webrtc.OperationError,
            webrtc.InvalidModificationError)
# libwebrtc reports a local description it cannot apply as INTERNAL_ERROR.
LOCAL_REFUSAL_PREFIX = "Failed to set local offer sdp: "


def outcome_of(exc: Exception, step: str) -> str:
    if type(exc) in REFUSALS:
        return type(exc).__name__
    if (type(exc) is webrtc.InternalError and step == "setLocalDescription"
            and str(exc).startswith(LOCAL_REFUSAL_PREFIX)):
        return "InternalError"
    return f"unexpected {type(exc).__name__} in {step}: {exc}"


async def remote(rng: random.Random, count: int) -> dict:
    source = aiortc.RTCPeerConnection(config(aiortc))
    source.createDataChannel("x")
    source.addTransceiver("audio")
    source.addTransceiver("video")
    await source.setLocalDescription(await source.createOffer())
    ours = webrtc.RTCPeerConnection(config(webrtc))
    ours.createDataChannel("y")
    await ours.setLocalDescription(await ours.createOffer())
    bases = [source.localDescription.sdp, ours.localDescription.sdp]
    outcomes: dict[str, int] = {}
    for _ in range(count):
        sdp = mutate(rng, rng.choice(bases))
        for module in (webrtc, compat):
            pc = module.RTCPeerConnection(config(module))
            step = "setRemoteDescription"
            try:
                await pc.setRemoteDescription(module.RTCSessionDescription(sdp=sdp, type="offer"))
                step = "createAnswer"
                answer = await pc.createAnswer()
                step = "setLocalDescription(answer)"
                await pc.setLocalDescription(answer)
                outcome = "ok"
            except Exception as exc:
                outcome = outcome_of(exc, step)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            await pc.close()
    await source.close()
    await ours.close()
    return outcomes


async def local(rng: random.Random, count: int) -> dict:
    outcomes: dict[str, int] = {}
    for _ in range(count):
        pc = webrtc.RTCPeerConnection(config(webrtc))
        other = webrtc.RTCPeerConnection(config(webrtc))
        pc.createDataChannel("x")
        offer = await pc.createOffer()
        step = "setLocalDescription"
        try:
            await pc.setLocalDescription(webrtc.RTCSessionDescription(sdp=mutate(rng, offer.sdp), type="offer"))
            step = "setRemoteDescription"
            await other.setRemoteDescription(pc.localDescription)
            step = "answer"
            await other.setLocalDescription(await other.createAnswer())
            step = "setRemoteDescription(answer)"
            await pc.setRemoteDescription(other.localDescription)
            await asyncio.sleep(0.005)
            outcome = "ok"
        except Exception as exc:
            outcome = outcome_of(exc, step)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        await pc.close()
        await other.close()
    return outcomes


if __name__ == "__main__":
    mode, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    runner = remote if mode == "remote" else local
    print(asyncio.run(runner(random.Random(seed), count)))
