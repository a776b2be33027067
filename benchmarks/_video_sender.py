"""Video sender for bench_video_receive.py, run as its own process so that its CPU time is not
counted against the receiver being measured.

It streams a pre-encoded VP8 clip with aiortc, packet for packet (no decoding, no re-encoding), so
the sender costs the same whichever library receives. Signaling is JSON lines:

  stdout  {"type": "offer", "sdp": ...}        once ICE gathering is complete (aiortc style)
  stdin   {"type": "answer", "sdp": ...}
  stdin   {"type": "bye"} or end of file        close and exit
  stdout  {"type": "bye", "cpu_seconds": ..., "packets_sent": ...}

Usage: _video_sender.py CLIP.ivf  (the clip is made by bench_video_receive.py)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

import aioice.ice
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaPlayer

# aiortc finds no address in a namespace that only has lo unless told to use 127.0.0.1.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


class CountingTrack(MediaStreamTrack):
    """Passes the player's encoded packets through and counts them."""

    kind = "video"

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.source = source
        self.packets = 0

    async def recv(self):
        packet = await self.source.recv()
        self.packets += 1
        return packet

    def stop(self) -> None:
        super().stop()
        self.source.stop()  # stops the player's reader thread


def send_line(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def stdin_reader() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def run(clip: str, max_seconds: float) -> None:
    # decode=False: MediaPlayer hands out the demuxed VP8 packets and paces them by their pts.
    player = MediaPlayer(clip, decode=False)
    if player.video is None:
        raise SystemExit(f"{clip}: no VP8 or H.264 video stream to pass through")
    track = CountingTrack(player.video)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    transceiver = pc.addTransceiver(track, direction="sendonly")
    # The packets are VP8: the receiver must not be allowed to pick H.264.
    transceiver.setCodecPreferences(
        [
            codec
            for codec in RTCRtpSender.getCapabilities("video").codecs
            if codec.mimeType.lower() in ("video/vp8", "video/rtx")
        ]
    )
    started = time.process_time()
    try:
        await pc.setLocalDescription(await pc.createOffer())
        send_line({"type": "offer", "sdp": pc.localDescription.sdp})
        reader = await stdin_reader()
        # Exits on "bye", on end of file (the receiver went away) and after max_seconds.
        deadline = time.monotonic() + max_seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                line = await asyncio.wait_for(reader.readline(), remaining)
            except TimeoutError:
                break
            if not line:
                break
            message = json.loads(line)
            if message["type"] == "answer":
                await pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "answer"))
            elif message["type"] == "bye":
                break
    finally:
        await pc.close()
        track.stop()
        send_line(
            {
                "type": "bye",
                "cpu_seconds": time.process_time() - started,
                "packets_sent": track.packets,
            }
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", help="VP8 clip in an IVF or WebM container")
    parser.add_argument("--max-seconds", type=float, default=120, help="exit after this long")
    arguments = parser.parse_args()
    try:
        asyncio.run(run(arguments.clip, arguments.max_seconds))
    except BrokenPipeError:  # the receiver closed our stdout first; nothing left to tell it
        pass
