"""Sending media from Python tracks, aiortc style, through webrtc.aiortc_compat: a rendered
picture (a numpy array) and a tone (PyAV frames), received by a second peer.

Run: WEBRTC_ALLOW_LOOPBACK=1 python examples/aiortc_send_media.py
"""

import asyncio
from fractions import Fraction

import av
import numpy as np

from webrtc.aiortc_compat import MediaStreamTrack, RTCPeerConnection, VideoStreamTrack


class Picture(VideoStreamTrack):
    """30 fps of a picture our program renders (red above, blue below)."""

    async def recv(self):
        pts, time_base = await self.next_timestamp()  # paces to 30 fps
        picture = np.zeros((240, 320, 3), np.uint8)
        picture[:120] = (220, 20, 20)
        picture[120:] = (20, 20, 220)
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
        frame.pts, frame.time_base = pts, time_base
        return frame


class Tone(MediaStreamTrack):
    """A 440 Hz tone; recv() never sleeps: the engine sends it at real time."""

    kind = "audio"

    def __init__(self):
        super().__init__()
        self.sample = 0

    async def recv(self):
        t = np.arange(self.sample, self.sample + 960) / 48000
        samples = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate, frame.time_base, frame.pts = 48000, Fraction(1, 48000), self.sample
        self.sample += 960
        return frame


async def main() -> None:
    sender, receiver = RTCPeerConnection(), RTCPeerConnection()
    sender.addTrack(Picture())
    sender.addTrack(Tone())
    tracks = {}
    receiver.on("track", lambda track: tracks.__setitem__(track.kind, track))

    await sender.setLocalDescription(await sender.createOffer())
    await receiver.setRemoteDescription(sender.localDescription)
    await receiver.setLocalDescription(await receiver.createAnswer())
    await sender.setRemoteDescription(receiver.localDescription)

    for _ in range(10):
        frame = await asyncio.wait_for(tracks["video"].recv(), 10)
    rgb = frame.to_ndarray(format="rgb24")
    print(f"video {frame.width}x{frame.height}, top-left pixel red: {bool(rgb[10, 10, 0] > 180)}")
    for _ in range(25):
        audio = await asyncio.wait_for(tracks["audio"].recv(), 10)
    loud = bool(np.abs(audio.to_ndarray()).max() > 4000)
    print(f"audio {audio.sample_rate} Hz {audio.layout.name}, loud: {loud}")
    await sender.close()
    await receiver.close()


asyncio.run(main())
