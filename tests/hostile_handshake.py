"""One connection between our W3C peer and aiortc, set up under attack, in a process of its
own: ``python hostile_handshake.py {we-offer|they-offer} [--flood KINDS] [--wrong-fingerprint]``.

--flood forges aiortc's address and fires tests/hostile_packets.py datagrams at our port from
just before our side learns the last description, so that they land while ICE and DTLS
run. --wrong-fingerprint hands our side a description whose fingerprints are not aiortc's
certificate's, as a peer with a certificate of its own would.

It prints one JSON line once the connection is "connected" or "failed" (or the wait gave
up), closes both peers, then prints {"closed": true}. A process of its own because libwebrtc
M108 aborts the process when a connection whose DTLS handshake failed is released
(tests/test_hostile_peer.py, test_failed_handshake_then_close_does_not_abort).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time

import aioice.ice
import aiortc

import hostile_packets as hostile
import webrtc

SETTLE_SECONDS = 20


async def poll(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


def with_wrong_fingerprints(description):
    """`description` with the first byte of every fingerprint changed."""
    sdp = re.sub(r"(a=fingerprint:\S+ )([0-9A-Fa-f]{2})",
                 lambda m: m.group(1) + ("00" if m.group(2) != "00" else "11"), description.sdp)
    return type(description)(sdp=sdp, type=description.type)


async def handshake(we_offer: bool, flood: str | None, wrong_fingerprint: bool) -> None:
    webrtc.allow_loopback()
    # aiortc gathers nothing in a namespace with only lo unless told to use 127.0.0.1.
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    ours = webrtc.RTCPeerConnection(webrtc.RTCConfiguration(iceServers=[]))
    theirs = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    offerer, answerer = (ours, theirs) if we_offer else (theirs, ours)
    announced = []
    answerer.on("datachannel", announced.append)
    offered = offerer.createDataChannel("handshake")
    states: list[str] = []
    ours.on("connectionstatechange", lambda: states.append(ours.connectionState))

    await offerer.setLocalDescription(await offerer.createOffer())
    await poll(lambda: offerer.iceGatheringState == "complete", 10)
    offer = offerer.localDescription
    if wrong_fingerprint and not we_offer:
        offer = with_wrong_fingerprints(offer)
    await answerer.setRemoteDescription(offer)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await poll(lambda: answerer.iceGatheringState == "complete", 10)
    answer = answerer.localDescription
    if wrong_fingerprint and we_offer:
        answer = with_wrong_fingerprints(answer)

    flooder = None
    if flood:
        our_port = hostile.udp_port(ours.localDescription.sdp)
        their_port = hostile.udp_port(theirs.localDescription.sdp)
        flooder = asyncio.ensure_future(hostile.run_flooder(
            our_port, 20_000, flood, spoof_port=their_port, rate=10_000))
        await asyncio.sleep(0.2)  # under way before the last description lands
    await offerer.setRemoteDescription(answer)
    await poll(lambda: ours.connectionState in ("connected", "failed"), SETTLE_SECONDS)
    outcome = ours.connectionState
    channel_open = outcome == "connected" and await poll(
        lambda: offered.readyState == "open" and announced and announced[0].readyState == "open", 10)
    flooded = await flooder if flooder else None
    print(json.dumps({"outcome": outcome, "states": states, "channel_open": channel_open,
                      "datagrams": flooded["datagrams"] if flooded else 0}), flush=True)
    await ours.close()
    await theirs.close()
    print(json.dumps({"closed": True}), flush=True)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("side", choices=["we-offer", "they-offer"])
    parser.add_argument("--flood")
    parser.add_argument("--wrong-fingerprint", action="store_true")
    args = parser.parse_args(argv)
    asyncio.run(asyncio.wait_for(
        handshake(args.side == "we-offer", args.flood, args.wrong_fingerprint), 50))


if __name__ == "__main__":
    main(sys.argv[1:])
