"""Writes the seed corpus of every fuzz target (tests/fuzz_corpus/<target>/) from real
descriptions and candidates: ours, aiortc's and headless Chromium's (Debian's chromium
through Playwright, as tests/test_interop_chromium.py drives it). Each target turns them
into inputs with its own seeds(). Files of the same name are replaced; others (inputs
merged from a fuzzing run) are left alone.

    WEBRTC_TESTS_OUTSIDE_NETNS=1 scripts/netns-run .venv/bin/python tools/fuzz/make_corpus.py [--no-chromium]
"""

from __future__ import annotations

import argparse
import http.server
import re
import shutil
import sys
import threading
from pathlib import Path

import aioice.ice
import aiortc

import data_channel
import frames
import ice_candidate
import remote_sdp
import sdp_parse
from _harness import require_loopback_only, run, wait_until
from _peers import add_offer_media, new_pc, webrtc

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fuzz_corpus"
sys.path.insert(0, str(ROOT / "tests"))
from conftest import CHROMIUM_FLAGS  # noqa: E402  (the flags the Chromium tests use)

# aiortc gathers nothing in a namespace with only lo unless told to use 127.0.0.1.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

# Candidates no peer here gathers (IPv6, mDNS, TCP, server reflexive, relayed), written from
# RFC 8839's grammar and the extensions browsers add.
HAND_WRITTEN_CANDIDATES = [
    "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 0.0.0.0 rport 0 "
    "generation 0 ufrag EsAw network-id 1 network-cost 10",
    "candidate:3 1 udp 41885439 198.51.100.2 3478 typ relay raddr 203.0.113.7 rport 61000",
    "candidate:1 1 udp 2122262783 2001:db8::1 50000 typ host generation 0 network-id 2",
    "candidate:2 1 udp 2122260223 5b1e0c4a-3f5e-4d8a-9f6c-7a2b1c0d9e8f.local 54321 typ host "
    "generation 0 network-cost 999",
    "candidate:4 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0",
    "candidate:5 1 tcp 1518214911 127.0.0.1 50001 typ host tcptype passive",
    "candidate:6 2 udp 2122260222 127.0.0.1 50002 typ host",
]
# A whole signaling message, as aiortc's contrib.signaling sends one.
SIGNALING_MESSAGE = ('{"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", '
                     '"id": "0", "label": 0, "type": "candidate"}')


async def ours_offer() -> str:
    pc = new_pc(webrtc)
    add_offer_media(pc)
    await pc.setLocalDescription(await pc.createOffer())
    await wait_until(lambda: pc.iceGatheringState == "complete", "gathering")
    sdp = pc.localDescription.sdp
    await pc.close()
    return sdp


async def ours_answer(offer: str) -> str:
    pc = new_pc(webrtc)
    await pc.setRemoteDescription(webrtc.RTCSessionDescription(sdp=offer, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    await wait_until(lambda: pc.iceGatheringState == "complete", "gathering")
    sdp = pc.localDescription.sdp
    await pc.close()
    return sdp


async def aiortc_offer() -> str:
    pc = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    pc.addTransceiver("audio")
    pc.addTransceiver("video")
    pc.createDataChannel("seed")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    return sdp


async def aiortc_answer(offer: str) -> str:
    pc = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    await pc.setRemoteDescription(aiortc.RTCSessionDescription(sdp=offer, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    sdp = pc.localDescription.sdp
    await pc.close()
    return sdp


# Runs in the page: Chromium's own offer (its fake camera and microphone, and a channel),
# and its answer to ours, each once gathering is complete.
CHROMIUM_SCRIPT = """
async ([offer]) => {
  const gathered = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") resolve();
    });
  });
  const media = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
  const offerer = new RTCPeerConnection();
  media.getTracks().forEach((track) => offerer.addTrack(track, media));
  offerer.createDataChannel("seed");
  await offerer.setLocalDescription();
  await gathered(offerer);
  const answerer = new RTCPeerConnection();
  await answerer.setRemoteDescription({type: "offer", sdp: offer});
  await answerer.setLocalDescription();
  await gathered(answerer);
  const result = [offerer.localDescription.sdp, answerer.localDescription.sdp];
  offerer.close();
  answerer.close();
  return result;
}
"""


class BlankPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!doctype html><title>corpus</title>")

    def log_message(self, *args) -> None:
        pass


async def chromium_descriptions(offer: str) -> tuple[str, str]:
    """Chromium's offer and its answer to `offer` (a page on 127.0.0.1: a secure context,
    so it may use the fake devices)."""
    from playwright.async_api import async_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BlankPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                                       args=CHROMIUM_FLAGS)
            page = await browser.new_page()
            await page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            chromium_offer, chromium_answer = await page.evaluate(CHROMIUM_SCRIPT, [offer])
            await browser.close()
    finally:
        server.shutdown()
    return chromium_offer, chromium_answer


async def descriptions(chromium: bool) -> dict[str, str]:
    """Offers with audio, video and data; answers to the offer the targets make."""
    offer_to_answer = await ours_offer()
    found = {
        "ours-offer": offer_to_answer,
        "ours-answer": await ours_answer(offer_to_answer),
        "aiortc-offer": await aiortc_offer(),
        "aiortc-answer": await aiortc_answer(offer_to_answer),
    }
    if chromium:
        found["chromium-offer"], found["chromium-answer"] = await chromium_descriptions(offer_to_answer)
    return found


def candidates_in(material: dict[str, str]) -> list[str]:
    """One candidate of each kind (type, protocol) the descriptions carry."""
    kinds: dict[tuple[str, str], str] = {}
    for sdp in material.values():
        for line in re.findall(r"^a=(candidate:[^\r\n]*)", sdp, re.M):
            bits = line.split()
            kinds.setdefault((bits[7], bits[2].lower()), line)
    return list(kinds.values())


def write(target: str, inputs: dict[str, bytes]) -> None:
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in inputs.items():
        (directory / name).write_bytes(data)
    print(f"{target}: {len(inputs)} inputs, {sum(map(len, inputs.values()))} bytes")


def main() -> None:
    require_loopback_only()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-chromium", action="store_true", help="leave Chromium's out")
    arguments = parser.parse_args()
    material = run(descriptions(chromium=not arguments.no_chromium), "making descriptions", 60)
    write("remote_sdp", remote_sdp.seeds(material))
    write("sdp_parse", sdp_parse.seeds(material))
    candidates = ice_candidate.seeds(candidates_in(material) + HAND_WRITTEN_CANDIDATES)
    candidates["signaling-message"] = bytes([ice_candidate.FORMS.index("signaling-json"), 1, 0, 2]) + SIGNALING_MESSAGE.encode()
    write("ice_candidate", candidates)
    write("data_channel", data_channel.seeds())
    write("frames", frames.seeds())


if __name__ == "__main__":
    main()
