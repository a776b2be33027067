"""aiortc tracks with known content, for checking what our side receives and decodes."""

from __future__ import annotations

import asyncio
import fractions
import time

import av
import numpy as np
from aiortc import VideoStreamTrack
from aiortc.mediastreams import MediaStreamTrack

from patterns import QUADRANTS, dominant_frequency, quadrant_centers, quadrant_picture  # noqa: F401


class QuadrantTrack(VideoStreamTrack):
    """30 fps of the four-color pattern; `size` may be changed while it runs."""

    def __init__(self, width: int = 320, height: int = 240) -> None:
        super().__init__()
        self.size = (width, height)
        self._frames: dict[tuple[int, int], av.VideoFrame] = {}

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        picture = self._frames.get(self.size)
        if picture is None:
            picture = av.VideoFrame.from_ndarray(quadrant_picture(*self.size), format="rgb24")
            picture = self._frames[self.size] = picture.reformat(format="yuv420p")
        frame = picture.reformat()  # a fresh frame object with the same pixels
        frame.pts = pts
        frame.time_base = time_base
        return frame


class ToneTrack(MediaStreamTrack):
    """A sine tone, 20 ms per frame, paced to real time."""

    kind = "audio"

    def __init__(self, frequency: float = 440.0, rate: int = 48000, layout: str = "mono",
                 amplitude: int = 8000) -> None:
        super().__init__()
        self.frequency = frequency
        self.rate = rate
        self.layout = layout
        self.amplitude = amplitude
        self._sample = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        delay = self._start + self._sample / self.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        count = self.rate // 50
        t = np.arange(self._sample, self._sample + count) / self.rate
        wave = (self.amplitude * np.sin(2 * np.pi * self.frequency * t)).astype(np.int16)
        channels = 2 if self.layout == "stereo" else 1
        frame = av.AudioFrame.from_ndarray(
            np.repeat(wave, channels).reshape(1, -1), format="s16", layout=self.layout
        )
        frame.sample_rate = self.rate
        frame.pts = self._sample
        frame.time_base = fractions.Fraction(1, self.rate)
        self._sample += count
        return frame


def prefer_codec(pc, kind: str, mime_type: str) -> None:
    """Make an aiortc connection offer only `mime_type` (plus rtx) for `kind`."""
    from aiortc import RTCRtpSender

    codecs = [c for c in RTCRtpSender.getCapabilities(kind).codecs
              if c.mimeType in (mime_type, f"{kind}/rtx")]
    for transceiver in pc.getTransceivers():
        if transceiver.kind == kind:
            transceiver.setCodecPreferences(codecs)
