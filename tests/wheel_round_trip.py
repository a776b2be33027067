"""Two peers in one process, as a user's first program would have them: a data channel echo
and a video round trip (numpy pictures from a Python track, received and read back).
Run by tests/test_wheel.py with an installed wheel, in a plain Debian 12 root that has
only python3, python3-venv, pyee and numpy. Prints one JSON line; exits 1 on failure."""

from __future__ import annotations

import asyncio
import json
import sys

import numpy as np

import webrtc
from webrtc.aiortc_compat import RTCConfiguration, RTCPeerConnection, VideoStreamTrack

webrtc.allow_loopback()
WIDTH, HEIGHT = 320, 240
RED = (200, 30, 40)


class RedTrack(VideoStreamTrack):
    async def recv(self):
        await self.next_timestamp()
        picture = np.empty((HEIGHT, WIDTH, 3), np.uint8)
        picture[:] = RED
        return picture


async def main() -> dict:
    sender = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    receiver = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    result: dict = {"native": webrtc._native.__file__}
    echoed: asyncio.Future = asyncio.get_running_loop().create_future()
    remote_video: asyncio.Future = asyncio.get_running_loop().create_future()

    @receiver.on("datachannel")
    def on_datachannel(channel):
        channel.on("message", channel.send)

    @receiver.on("track")
    def on_track(track):
        if not remote_video.done():
            remote_video.set_result(track)

    channel = sender.createDataChannel("echo")
    channel.on("open", lambda: channel.send("ping from the wheel"))
    channel.on("message", lambda message: echoed.done() or echoed.set_result(message))
    sender.addTrack(RedTrack())
    try:
        await sender.setLocalDescription(await sender.createOffer())
        await receiver.setRemoteDescription(sender.localDescription)
        await receiver.setLocalDescription(await receiver.createAnswer())
        await sender.setRemoteDescription(receiver.localDescription)
        result["echo"] = await asyncio.wait_for(echoed, 15)
        track = await asyncio.wait_for(remote_video, 15)
        for _ in range(10):  # past the first frames, which may still be converging
            frame = await asyncio.wait_for(track.recv(), 15)
        rgb = frame.to_ndarray(format="rgb24")
        result["size"] = [frame.width, frame.height]
        result["mean_rgb"] = [round(float(v), 1) for v in rgb.reshape(-1, 3).mean(axis=0)]
    finally:
        await sender.close()
        await receiver.close()
    return result


if __name__ == "__main__":
    outcome = asyncio.run(main())
    print(json.dumps(outcome))
    ok = (outcome.get("echo") == "ping from the wheel" and outcome.get("size") == [WIDTH, HEIGHT]
          and all(abs(a - b) < 12 for a, b in zip(outcome["mean_rgb"], RED)))
    sys.exit(0 if ok else 1)
