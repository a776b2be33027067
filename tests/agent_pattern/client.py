"""An agent written in the pattern of our first users (neko_agent, aiortc-notes §5), against
aiortc's API: tests/test_agent_pattern.py runs it unchanged on our engine (zero-edit mode)
and with its aiortc imports changed to webrtc.aiortc_compat.

It connects to the fake Neko server (server.py) over a websocket, asks for media, answers
the offer the way neko_agent's ``_setup_media_from_offer()`` does, reads video frames as its
frame source does (``to_image()``, ``to_ndarray(format="rgb24")``), and speaks through a
never-sleeping track fed by a "TTS" thread (yap's ``YAPAudioTrack``). When the server says
``signal/close`` it disconnects and prints ``RESULT {json}``: what it saw.

Usage: ``python client.py ws://127.0.0.1:PORT/api/ws?token=...``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import threading
import time
from fractions import Fraction

import av
import numpy as np
import websockets
from PIL import Image

import aiortc
from aiortc import (
    AudioStreamTrack,
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.sdp import candidate_from_sdp

logger = logging.getLogger("agent")

# The fake server's picture (server.py): quadrant colours, and a marker in a top stripe.
QUADRANTS = ((230, 30, 30), (30, 200, 30), (30, 30, 230), (235, 235, 235))
STRIPE = 24
SPEECH_SECONDS = 4.0


class PCMQueue:
    """Thread-safe int16 sample buffer (neko_agent's audio.py): the TTS thread puts, the
    track pulls. Short of samples, pull() waits up to 20 ms on the calling thread (the event
    loop), then pads with silence."""

    def __init__(self, sample_rate: int = 48000, channels: int = 1) -> None:
        self.sample_rate = sample_rate
        self.channels = channels
        self._buffer = np.zeros((0, channels), np.int16)
        self._cv = threading.Condition()

    def push(self, samples: np.ndarray) -> None:
        with self._cv:
            self._buffer = np.concatenate([self._buffer, samples.reshape(-1, self.channels)])
            self._cv.notify_all()

    def pull(self, n: int) -> np.ndarray:
        with self._cv:
            if len(self._buffer) < n:
                self._cv.wait(timeout=0.02)
            out, self._buffer = self._buffer[:n], self._buffer[n:]
        if len(out) < n:
            out = np.concatenate([out, np.zeros((n - len(out), self.channels), np.int16)])
        return out


class SpeechTrack(MediaStreamTrack):
    """yap's outbound voice: recv() never sleeps, it returns what the queue has."""

    kind = "audio"

    def __init__(self, queue: PCMQueue, frame_ms: int = 20) -> None:
        super().__init__()
        self.q = queue
        self.frame_samples = queue.sample_rate * frame_ms // 1000
        self._pts = 0
        self.pulls = 0

    async def recv(self) -> av.AudioFrame:
        samples = self.q.pull(self.frame_samples)
        self.pulls += 1
        layout = "mono" if samples.shape[1] == 1 else "stereo"
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout=layout)
        frame.sample_rate = self.q.sample_rate
        frame.time_base = Fraction(1, self.q.sample_rate)
        frame.pts = self._pts
        self._pts += samples.shape[0]
        return frame


def speak(queue: PCMQueue) -> None:
    """The TTS thread: an utterance (a 440 Hz tone) synthesized at once, faster than real time."""
    t = np.arange(int(SPEECH_SECONDS * queue.sample_rate)) / queue.sample_rate
    queue.push((8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16))


class FrameSource:
    """neko_agent's WebRTCFrameSource: the latest frame as a PIL image, plus what this test
    checks in each frame."""

    def __init__(self) -> None:
        self.image = None
        self.frames = 0
        self.quadrants_ok = 0
        self.markers: list[int | None] = []
        self.ndarray_checks: list[dict] = []
        self.errors: list[str] = []
        self._task: asyncio.Task | None = None

    def start(self, track) -> None:
        self._task = asyncio.ensure_future(self._reader(track))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _reader(self, track) -> None:
        while True:
            try:
                frame = await track.recv()
            except StopAsyncIteration:
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # neko_agent logs and carries on
                self.errors.append(repr(exc))
                if len(self.errors) > 20:
                    break
                await asyncio.sleep(0.1)
                continue
            image = self._convert(frame)
            if image is None:
                await asyncio.sleep(0.05)
                continue
            self.image = image.copy()
            self._check(frame, np.asarray(image))

    @staticmethod
    def _convert(frame):
        try:
            image = frame.to_image()
            if image.width > 0 and image.height > 0:
                return image.convert("RGB")
        except Exception:
            pass
        try:
            return Image.fromarray(frame.to_ndarray(format="rgb24"), "RGB")
        except Exception:
            return None

    def _check(self, frame, rgb: np.ndarray) -> None:
        self.frames += 1
        height, width = rgb.shape[:2]
        centers = [(height // 4, width // 4), (height // 4, 3 * width // 4),
                   (3 * height // 4, width // 4), (3 * height // 4, 3 * width // 4)]
        if all(np.all(np.abs(rgb[r, c].astype(int) - expected) <= 25)
               for (r, c), expected in zip(centers, QUADRANTS)):
            self.quadrants_ok += 1
        if len(self.markers) < 90:
            bright = np.flatnonzero(rgb[STRIPE // 2].mean(axis=1) > 128)
            self.markers.append(int(bright[0]) if len(bright) else None)
        if self.frames % 10 == 1:
            array = frame.to_ndarray(format="rgb24")
            self.ndarray_checks.append({
                "shape": list(array.shape), "dtype": str(array.dtype),
                "differs_from_image": float(np.abs(array.astype(int) - rgb.astype(int)).mean()),
                "image_mode": self.image.mode, "image_size": list(self.image.size),
                "format": frame.format.name, "time_base": str(frame.time_base),
            })


class Agent:
    """The parts of neko_agent's WebRTCNekoClient that touch aiortc, in its order."""

    def __init__(self, ws_url: str, ice_policy: str = "all") -> None:
        self.ws_url = ws_url
        self.ice_policy = ice_policy
        self.pc: RTCPeerConnection | None = None
        self.ws = None
        self.queues = {name: asyncio.Queue() for name in ("ice", "control", "system", "misc")}
        self.frame_source = FrameSource()
        self.speech_queue = PCMQueue()
        self.speech = SpeechTrack(self.speech_queue)
        self._remote_description_set = False
        self._ice_candidates_buffer: list[dict] = []
        self._tasks: list[asyncio.Task] = []
        self._spoke = False
        self.closed = asyncio.Event()
        self.report: dict = {
            "aiortc_module": aiortc.__name__,
            "stream_track_kinds": [VideoStreamTrack().kind, AudioStreamTrack().kind],
            "icecandidate_events": 0, "tracks": [], "connection_states": [],
            "ice_states": [], "candidate_errors": [], "candidates_added": 0,
            "messages": [], "remote_channels": [],
        }

    async def send(self, message: dict) -> None:
        await self.ws.send(json.dumps(message))

    async def _route(self) -> None:
        """The broker: messages go to a queue by their event's prefix."""
        async for raw in self.ws:
            message = json.loads(raw)
            event = message.get("event", "")
            if event == "signal/candidate":
                await self.queues["ice"].put(message)
            elif event in ("signal/offer", "signal/provide", "signal/answer", "signal/close"):
                await self.queues["control"].put(message)
            elif event.startswith(("system/", "control/", "screen/", "session/")):
                await self.queues["system"].put(message)
            else:
                await self.queues["misc"].put(message)

    async def connect(self) -> None:
        self.ws = await websockets.connect(self.ws_url, ping_interval=30, ping_timeout=60,
                                           max_queue=1024, max_size=10_000_000)
        self._tasks.append(asyncio.ensure_future(self._route()))
        buffering = True
        early: list[dict] = []

        async def buffer_early_candidates() -> None:
            while buffering:
                try:
                    message = await asyncio.wait_for(self.queues["ice"].get(), 0.1)
                except asyncio.TimeoutError:
                    continue
                early.append(message.get("payload", {}))

        buffer_task = asyncio.ensure_future(buffer_early_candidates())
        await self.send({"event": "signal/request", "payload": {"video": {}, "audio": {}}})
        while True:
            try:
                offer = await asyncio.wait_for(self.queues["control"].get(), 10)
            except asyncio.TimeoutError:
                logger.info("Timeout waiting for offer, retrying...")
                continue
            if offer.get("event") in ("signal/offer", "signal/provide"):
                break
        buffering = False
        await buffer_task
        self.report["early_candidates"] = len(early)
        await self._setup_media_from_offer(offer, early)
        self._tasks.append(asyncio.ensure_future(self._handle_signaling_messages()))

    async def _setup_media_from_offer(self, offer_msg: dict, early_candidates: list[dict]) -> None:
        payload = offer_msg.get("payload", offer_msg)
        ice_servers = []
        for srv in (payload.get("ice") or payload.get("iceServers")
                    or payload.get("iceservers") or payload.get("ice_servers") or []):
            ice_servers.append(RTCIceServer(
                urls=srv.get("urls") or srv.get("url"),
                username=srv.get("username"),
                credential=srv.get("credential") or srv.get("password"),
            ))
        self.report["ice_servers"] = [server.urls for server in ice_servers]
        config = RTCConfiguration(iceServers=ice_servers)
        if self.ice_policy == "strict":
            config.iceTransportPolicy = "relay"
        self.pc = pc = RTCPeerConnection(config)
        self._dummy_channel = pc.createDataChannel("neko-dummy", ordered=False, maxRetransmits=0)

        @pc.on("icecandidate")
        def on_icecandidate(candidate):
            self.report["icecandidate_events"] += 1

        @pc.on("track")
        def on_track(track):
            self.report["tracks"].append(track.kind)
            if track.kind == "video":
                self._video_track = track
                self.frame_source.start(track)
            else:
                self._audio_track = track

        @pc.on("iceconnectionstatechange")
        def on_ice_state():
            logger.info("ICE connection state: %s", pc.iceConnectionState)
            self.report["ice_states"].append(pc.iceConnectionState)

        @pc.on("connectionstatechange")
        def on_connection_state():
            logger.info("connection state: %s", pc.connectionState)
            self.report["connection_states"].append(pc.connectionState)
            if pc.connectionState == "connected" and not self._spoke:
                self._spoke = True
                threading.Thread(target=speak, args=(self.speech_queue,), daemon=True).start()

        @pc.on("datachannel")
        def on_datachannel(channel):
            self.report["remote_channels"].append(channel.label)
            channel.on("message", self.report["messages"].append)

        sdp = payload.get("sdp")
        if not sdp:
            raise ValueError("offer without sdp")
        self.report["offer_had_candidates"] = "a=candidate" in sdp
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        self._remote_description_set = True
        self.report["tracks_when_setRemoteDescription_returned"] = list(self.report["tracks"])

        for t in pc.getTransceivers():
            if t.kind == "audio" and t.direction == "recvonly":
                t.direction = "inactive"  # neko_agent: "prevent decoder thread"
                self.report["audio_set_inactive"] = True
        # The agent's voice, added before answering (yap's outbound audio track).
        pc.addTrack(self.speech)
        self.report["directions_before_answer"] = [
            [t.kind, t.direction] for t in pc.getTransceivers()]

        for candidate in early_candidates + self._ice_candidates_buffer:
            await self._add_candidate(candidate)
        self._ice_candidates_buffer.clear()

        answer = await pc.createAnswer()
        await pc.setLocalDescription(answer)
        local = pc.localDescription
        self.report["after_setLocalDescription"] = {
            "iceGatheringState": pc.iceGatheringState,
            "signalingState": pc.signalingState,
            "candidates": local.sdp.count("a=candidate:"),
            "answer_had_candidates": "a=candidate:" in answer.sdp,
        }
        await asyncio.sleep(0.1)
        await self.send({"event": "signal/answer",
                         "payload": {"sdp": local.sdp, "type": local.type}})

    async def _add_candidate(self, payload: dict) -> None:
        text = payload.get("candidate", "")
        if not text:
            return
        if text.startswith("candidate:"):
            text = text[len("candidate:"):]
        try:
            candidate = candidate_from_sdp(text)
            candidate.sdpMid = payload.get("sdpMid")
            candidate.sdpMLineIndex = payload.get("sdpMLineIndex")
            await self.pc.addIceCandidate(candidate)
            self.report["candidates_added"] += 1
        except Exception as exc:
            self.report["candidate_errors"].append(repr(exc))

    async def _handle_signaling_messages(self) -> None:
        while not self.closed.is_set():
            try:
                message = await asyncio.wait_for(self.queues["control"].get(), 0.1)
                if message.get("event") == "signal/close":
                    self.closed.set()
                    break
            except asyncio.TimeoutError:
                pass
            try:
                message = await asyncio.wait_for(self.queues["ice"].get(), 0.1)
            except asyncio.TimeoutError:
                continue
            payload = message.get("payload", {})
            self.report["late_candidates"] = self.report.get("late_candidates", 0) + 1
            if self._remote_description_set:
                await self._add_candidate(payload)
            else:
                self._ice_candidates_buffer.append(payload)

    async def disconnect(self) -> None:
        for task in self._tasks:
            task.cancel()
        self.frame_source.stop()
        if self.pc is not None:
            self.report["dummy_channel"] = {"readyState": self._dummy_channel.readyState,
                                            "id_set": self._dummy_channel.id is not None}
            await self.pc.close()
            self.report["after_close"] = {"connectionState": self.pc.connectionState,
                                          "speech": self.speech.readyState}
        await self.ws.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("aiortc").setLevel(logging.WARNING)  # as neko_agent does
    agent = Agent(args.url)
    started = time.monotonic()
    try:
        await asyncio.wait_for(agent.connect(), 30)
        agent.report["connect_returned_while"] = agent.pc.connectionState
        await asyncio.wait_for(agent.closed.wait(), args.timeout)
    finally:
        source = agent.frame_source
        agent.report.update({
            "frames": source.frames, "quadrants_ok": source.quadrants_ok,
            "markers": source.markers, "ndarray_checks": source.ndarray_checks,
            "frame_errors": source.errors, "speech_pulls": agent.speech.pulls,
            "seconds": time.monotonic() - started,
        })
        await agent.disconnect()
        print("RESULT " + json.dumps(agent.report), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
