"""A fake Neko server for tests/test_agent_pattern.py, run by the real aiortc in its own
process: it plays the remote side of our first users' agent (aiortc-notes §5).

On a websocket connection it sends ``system/init``, waits for ``signal/request``, then
offers audio (a 440 Hz tone, sendrecv: it also listens for the agent's voice), video (a
moving pattern) and a data channel ``data``. The offer goes out without candidates, with
``iceservers`` naming a STUN server this process runs; the candidates are trickled as
``signal/candidate`` messages, some before the offer and the rest after it. Once the answer
is applied it records what the agent sends back (its audio, its ``neko-dummy`` channel),
sends ``signal/close`` and prints ``RESULT {json}``.

Usage: ``python server.py`` (prints ``listening PORT`` once it accepts connections).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from fractions import Fraction

import aioice.stun as stun
import av
import numpy as np
from websockets.asyncio.server import serve

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)

WIDTH, HEIGHT = 320, 240
QUADRANTS = ((230, 30, 30), (30, 200, 30), (30, 30, 230), (235, 235, 235))
STRIPE = 24  # rows of the moving marker above the quadrants
MARKER_STEP = 8  # pixels the marker moves per frame


class StunServer(asyncio.DatagramProtocol):
    """Answers STUN binding requests (RFC 5389), counting them: the agent reaches it only
    if the ICE servers it read from the offer got to its engine."""

    def __init__(self) -> None:
        self.requests = 0
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        try:
            request = stun.parse_message(data)
        except ValueError:
            return
        if request.message_method != stun.Method.BINDING or request.message_class != stun.Class.REQUEST:
            return
        self.requests += 1
        response = stun.Message(message_method=stun.Method.BINDING,
                                message_class=stun.Class.RESPONSE,
                                transaction_id=request.transaction_id)
        response.attributes["XOR-MAPPED-ADDRESS"] = addr[:2]
        response.add_fingerprint()
        self.transport.sendto(bytes(response), addr)


def pattern(frame_index: int) -> np.ndarray:
    """Four coloured quadrants under a black stripe in which a white block moves right."""
    picture = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    h, w = HEIGHT // 2, WIDTH // 2
    picture[:h, :w], picture[:h, w:] = QUADRANTS[0], QUADRANTS[1]
    picture[h:, :w], picture[h:, w:] = QUADRANTS[2], QUADRANTS[3]
    picture[:STRIPE] = 0
    x = (frame_index * MARKER_STEP) % (WIDTH - STRIPE)
    picture[:STRIPE, x:x + STRIPE] = 255
    return picture


class MovingPattern(VideoStreamTrack):
    def __init__(self) -> None:
        super().__init__()
        self.frames = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame.from_ndarray(pattern(self.frames), format="rgb24")
        frame = frame.reformat(format="yuv420p")
        frame.pts, frame.time_base = pts, time_base
        self.frames += 1
        return frame


class Tone(MediaStreamTrack):
    """440 Hz, 20 ms frames at 48 kHz, paced by its own sleep (the remote desktop's audio)."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._sample = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        delay = self._start + self._sample / 48000 - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        t = np.arange(self._sample, self._sample + 960) / 48000
        samples = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = 48000, self._sample, Fraction(1, 48000)
        self._sample += 960
        return frame


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


async def listen_to(track, deadline: float) -> dict:
    """What the agent's voice brought: seconds of tone, over how long, at which frequency.
    Reads until a second of silence follows the tone, or the deadline."""
    first = last = None
    tone: list[np.ndarray] = []
    frames = 0
    while time.monotonic() < deadline:
        try:
            frame = await asyncio.wait_for(track.recv(), 2)
        except asyncio.TimeoutError:
            break
        frames += 1
        channels = frame.to_ndarray().size // frame.samples
        left = frame.to_ndarray().reshape(-1, channels)[:, 0]
        now = time.monotonic()
        if np.abs(left).max() > 2000:
            first = first or now
            last = now
            tone.append(left)
        elif last is not None and now - last > 1.0:
            break
    if not tone:
        return {"frames": frames, "tone_seconds": 0.0}
    samples = np.concatenate(tone)
    middle = samples[len(samples) // 4: 3 * len(samples) // 4]
    return {
        "frames": frames,
        "rate": frame.sample_rate,
        "tone_seconds": len(samples) / frame.sample_rate,
        "wall_seconds": last - first + 0.02,
        "frequency": dominant_frequency(middle.astype(float), frame.sample_rate),
    }


def sections(sdp: str) -> dict[str, str]:
    """The direction attribute of each m-line, by kind."""
    found: dict[str, str] = {}
    kind = None
    for line in sdp.splitlines():
        if line.startswith("m="):
            kind = line[2:].split()[0]
        elif kind and line[2:] in ("sendrecv", "sendonly", "recvonly", "inactive"):
            found[kind] = line[2:]
    return found


class FakeNeko:
    def __init__(self, stun_server: StunServer, stun_port: int) -> None:
        self.stun = stun_server
        self.stun_port = stun_port
        self.result: dict = {}
        self.done = asyncio.Event()

    async def session(self, ws) -> None:
        try:
            await self._session(ws)
        except Exception as exc:  # reported, so that the test shows why
            self.result["error"] = repr(exc)
            raise
        finally:
            self.done.set()

    async def _session(self, ws) -> None:
        await ws.send(json.dumps({"event": "system/init", "payload": {
            "session_id": "agent", "screen_size": {"width": WIDTH, "height": HEIGHT, "rate": 30}}}))
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 20))
            if message.get("event") == "signal/request":
                break
        self.result["request"] = message.get("payload")

        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        video = MovingPattern()
        pc.addTransceiver(Tone(), direction="sendrecv")
        pc.addTransceiver(video, direction="sendonly")
        channel = pc.createDataChannel("data")
        voices: list = []
        client_channels: list = []
        states: list[str] = []
        pc.on("track", lambda track: voices.append(track) if track.kind == "audio" else None)
        pc.on("datachannel", client_channels.append)
        pc.on("connectionstatechange", lambda: states.append(pc.connectionState))
        channel.on("open", lambda: channel.send("hello from neko"))

        await pc.setLocalDescription(await pc.createOffer())
        lines = pc.localDescription.sdp.splitlines()
        candidates = [line[2:] for line in lines if line.startswith("a=candidate:")]
        offer = "".join(line + "\r\n" for line in lines
                        if not line.startswith("a=candidate:") and line != "a=end-of-candidates")
        assert candidates, "aiortc gathered nothing"

        async def trickle(batch: list[str]) -> None:
            for candidate in batch:
                await ws.send(json.dumps({"event": "signal/candidate", "payload": {
                    "candidate": candidate, "sdpMid": "0", "sdpMLineIndex": 0}}))

        early, late = candidates[: len(candidates) // 2], candidates[len(candidates) // 2:]
        await trickle(early)
        await ws.send(json.dumps({"event": "signal/provide", "payload": {
            "sdp": offer,
            "iceservers": [{"urls": [f"stun:127.0.0.1:{self.stun_port}"],
                            "username": "neko", "credential": "neko"}],
            "video": "main",
        }}))
        await asyncio.sleep(0.2)
        await trickle(late)
        self.result["trickled"] = {"before_offer": len(early), "after_offer": len(late)}

        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 20))
            if message.get("event") == "signal/answer":
                break
            if message.get("event") == "signal/candidate":
                self.result.setdefault("candidates_from_agent", 0)
                self.result["candidates_from_agent"] += 1
        answer = message["payload"]
        self.result["answer"] = {
            "type": answer.get("type"),
            "candidates": answer["sdp"].count("a=candidate:"),
            "directions": sections(answer["sdp"]),
        }
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))

        deadline = time.monotonic() + 40
        while not (voices and pc.connectionState == "connected") and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        self.result["voice"] = await listen_to(voices[0], deadline) if voices else None
        while not client_channels and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        self.result["agent_channels"] = [
            {"label": c.label, "ordered": c.ordered, "maxRetransmits": c.maxRetransmits,
             "readyState": c.readyState} for c in client_channels]
        self.result["video_frames_sent"] = video.frames
        self.result["stun_requests"] = self.stun.requests
        self.result["stun_port"] = self.stun_port
        self.result["connection_states"] = list(states)
        await ws.send(json.dumps({"event": "signal/close"}))
        try:
            await asyncio.wait_for(ws.wait_closed(), 10)
        except asyncio.TimeoutError:
            self.result["agent_left"] = False
        await pc.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=90)
    args = parser.parse_args()
    loop = asyncio.get_running_loop()
    stun_transport, stun_server = await loop.create_datagram_endpoint(
        StunServer, local_addr=("127.0.0.1", 0))
    stun_port = stun_transport.get_extra_info("sockname")[1]
    neko = FakeNeko(stun_server, stun_port)
    async with serve(neko.session, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening {port}", flush=True)
        await asyncio.wait_for(neko.done.wait(), args.timeout)
    print("RESULT " + json.dumps(neko.result), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
