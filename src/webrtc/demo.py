"""python -m webrtc.demo: real media and a data channel through the engine, over loopback.

First an aiortc peer (an independent implementation) sends a moving test picture over VP8 and
a 440 Hz tone over Opus; our side receives them through ``webrtc.aiortc_compat``, shows a live
line with frames per second and dropped frames, checks the picture and the tone, and writes a
received frame to a PNG file. Then the other way round: the same picture and tone, made by
Python tracks on our side, are sent to an aiortc receiver, with a live line of what arrived.
Last, two of our peers talk through a data channel: connection time, round trips, bulk
throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import webrtc


async def connect(offerer: webrtc.RTCPeerConnection, answerer: webrtc.RTCPeerConnection) -> None:
    """Negotiate between two peers of this process, trickling candidates (W3C layer).

    A candidate can only be added once its receiver has the remote description, so early
    ones wait in a list, as a signaling server would hold them. The tests and the
    benchmarks connect their peers with it too."""
    waiting: dict[int, list] = {id(offerer): [], id(answerer): []}

    async def forward(candidate, peer):
        if candidate is None or peer.signalingState == "closed":
            return
        if peer.remoteDescription is None:
            waiting[id(peer)].append(candidate)
        else:
            await peer.addIceCandidate(candidate)

    async def set_remote(peer, description):
        await peer.setRemoteDescription(description)
        early, waiting[id(peer)] = waiting[id(peer)], []
        for candidate in early:
            await peer.addIceCandidate(candidate)

    offerer.on("icecandidate", lambda c: forward(c, answerer))
    answerer.on("icecandidate", lambda c: forward(c, offerer))
    await offerer.setLocalDescription(await offerer.createOffer())
    await set_remote(answerer, offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await set_remote(offerer, answerer.localDescription)


def progress(text: str) -> None:
    sys.stdout.write("\r\033[K" + text if sys.stdout.isatty() else text + "\n")
    sys.stdout.flush()


async def run(seconds: float, pings: int, message_size: int) -> dict:
    webrtc.allow_loopback()
    loop = asyncio.get_running_loop()
    offerer, answerer = webrtc.RTCPeerConnection(), webrtc.RTCPeerConnection()
    remote_channel: asyncio.Future = loop.create_future()
    answerer.on("datachannel", remote_channel.set_result)

    started = time.perf_counter()
    channel = offerer.createDataChannel("demo")
    opened: asyncio.Future = loop.create_future()
    channel.on("open", lambda: opened.set_result(None))
    await connect(offerer, answerer)
    echo = await asyncio.wait_for(remote_channel, 10)
    await asyncio.wait_for(opened, 10)
    connect_ms = (time.perf_counter() - started) * 1000
    progress(f"connected in {connect_ms:.1f} ms ({offerer.iceConnectionState})")

    # Round trips: the answerer echoes text messages back.
    echo.on("message", lambda m: echo.send(m) if isinstance(m, str) else None)
    replies: asyncio.Queue = asyncio.Queue()
    channel.on("message", replies.put_nowait)
    rtts = []
    for i in range(pings):
        sent = time.perf_counter()
        channel.send(f"ping {i}")
        await asyncio.wait_for(replies.get(), 5)
        rtts.append((time.perf_counter() - sent) * 1000)
        if i % 100 == 0:
            progress(f"round trips: {i + 1}/{pings}, last {rtts[-1]:.3f} ms")
    rtts.sort()

    # Bulk transfer for `seconds`, keeping at most 1 MiB queued.
    received = 0
    done = loop.create_future()

    def on_bulk(message):
        nonlocal received
        if isinstance(message, bytes):
            received += len(message)
        elif message == "end" and not done.done():
            done.set_result(None)

    echo.remove_all_listeners("message")
    echo.on("message", on_bulk)
    payload = bytes(message_size)
    channel.bufferedAmountLowThreshold = 256 * 1024
    low = asyncio.Event()
    channel.on("bufferedamountlow", low.set)
    sent = 0
    bulk_start = time.perf_counter()
    last_report = bulk_start
    while (now := time.perf_counter()) - bulk_start < seconds:
        while channel.bufferedAmount < 1024 * 1024:
            channel.send(payload)
            sent += len(payload)
        low.clear()
        await low.wait()
        if now - last_report > 0.2:
            last_report = now
            rate = received / (now - bulk_start) / 1e6
            progress(f"bulk: {received / 1e6:8.1f} MB received, {rate:7.1f} MB/s")
    channel.send("end")
    await asyncio.wait_for(done, 30)
    bulk_seconds = time.perf_counter() - bulk_start
    await offerer.close()
    await answerer.close()
    return {
        "connect_ms": connect_ms,
        "pings": pings,
        "rtt_median_ms": rtts[len(rtts) // 2] if rtts else 0.0,
        "bytes": received,
        "megabytes_per_second": received / bulk_seconds / 1e6,
        "messages": pings * 2 + received // message_size + 1,
    }


# ---- media: aiortc sends, we receive ----

DEMO_WIDTH, DEMO_HEIGHT = 640, 480


def _demo_tracks(VideoStreamTrack, MediaStreamTrack):
    """A moving color bar over four colored quadrants, and a tone, as tracks built on the
    given classes (aiortc's or ours: the code is the same)."""
    import fractions

    import av
    import numpy as np

    class MovingPicture(VideoStreamTrack):
        def __init__(self) -> None:
            super().__init__()
            picture = np.empty((DEMO_HEIGHT, DEMO_WIDTH, 3), np.uint8)
            h, w = DEMO_HEIGHT // 2, DEMO_WIDTH // 2
            picture[:h, :w], picture[:h, w:] = (230, 30, 30), (30, 200, 30)
            picture[h:, :w], picture[h:, w:] = (30, 30, 230), (235, 235, 235)
            self.background = picture
            self.count = 0

        async def recv(self):
            pts, time_base = await self.next_timestamp()
            picture = self.background.copy()
            x = (self.count * 8) % DEMO_WIDTH
            picture[:, x : x + 16] = (0, 0, 0)  # the bar moves 8 pixels per frame
            self.count += 1
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = pts, time_base
            return frame

    class Tone(MediaStreamTrack):
        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self.sample = 0
            self.start: float | None = None

        async def recv(self):
            if self.start is None:
                self.start = time.monotonic()
            delay = self.start + self.sample / 48000 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            t = np.arange(self.sample, self.sample + 960) / 48000
            wave = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(wave, format="s16", layout="mono")
            frame.sample_rate, frame.pts = 48000, self.sample
            frame.time_base = fractions.Fraction(1, 48000)
            self.sample += 960
            return frame

    return MovingPicture(), Tone()


async def run_media(seconds: float, png_path: str, direction: str = "receive") -> dict:
    """Stream the demo tracks for `seconds` from aiortc to us ("receive") or from us to
    aiortc ("send"); returns what was measured at the receiving end."""
    try:
        import aioice.ice
        import aiortc
        import numpy as np
    except ImportError:
        raise SystemExit("the media demo needs aiortc and numpy (scripts/setup.sh installs them)") from None
    from . import aiortc_compat

    import socket

    webrtc.allow_loopback()
    if all(name == "lo" for _, name in socket.if_nameindex()):
        # In a namespace with only lo, aiortc finds no address unless told to use loopback.
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    theirs = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    ours = aiortc_compat.RTCPeerConnection(aiortc_compat.RTCConfiguration(iceServers=[]))
    if direction == "receive":
        sender, receiver = theirs, ours
        classes = (aiortc.VideoStreamTrack, aiortc.mediastreams.MediaStreamTrack)
    else:
        sender, receiver = ours, theirs
        classes = (aiortc_compat.VideoStreamTrack, aiortc_compat.MediaStreamTrack)
    try:
        for track in _demo_tracks(*classes):
            sender.addTrack(track)
        tracks = {}
        receiver.on("track", lambda track: tracks.__setitem__(track.kind, track))
        await sender.setLocalDescription(await sender.createOffer())
        await receiver.setRemoteDescription(sender.localDescription)
        await receiver.setLocalDescription(await receiver.createAnswer())
        await sender.setRemoteDescription(receiver.localDescription)
        video, audio = tracks["video"], tracks["audio"]
        await asyncio.wait_for(video.recv(), 20)

        loop = asyncio.get_running_loop()
        start = loop.time()
        counts = {"video": 0, "audio": 0}
        last = {}
        tone: list = []

        async def consume(track) -> None:
            while loop.time() - start < seconds:
                frame = await asyncio.wait_for(track.recv(), 10)
                counts[track.kind] += 1
                last[track.kind] = frame
                if track.kind == "audio" and len(tone) < 50:
                    tone.append(frame.to_ndarray()[0, ::2])  # left channel

        def dropped(track) -> str:
            count = getattr(track, "frames_dropped", None)  # aiortc's tracks never drop
            return "" if count is None else f" (dropped {count})"

        async def report() -> None:
            while loop.time() - start < seconds:
                await asyncio.sleep(0.5)
                elapsed = loop.time() - start
                frame = last.get("video")
                size = f"{frame.width}x{frame.height}" if frame else "-"
                progress(
                    f"{direction} {elapsed:4.1f}s  video {size} {counts['video'] / elapsed:5.1f} "
                    f"fps{dropped(video)}  audio {counts['audio'] / elapsed:5.1f} "
                    f"frames/s{dropped(audio)}"
                )

        await asyncio.gather(consume(video), consume(audio), report())
        elapsed = loop.time() - start
        frame = last["video"]
        picture = frame.to_ndarray(format="rgb24")
        if png_path:
            frame.to_image().save(png_path)
        samples = np.concatenate(tone).astype(float)
        spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
        frequency = float(np.fft.rfftfreq(len(samples), 1 / 48000)[int(np.argmax(spectrum))])
        audio_frame = last["audio"]
        return {
            "seconds": elapsed,
            "video_frames": counts["video"],
            "video_fps": counts["video"] / elapsed,
            "video_dropped": getattr(video, "frames_dropped", 0),
            "video_size": (frame.width, frame.height),
            # The bottom-right quadrant is (235, 235, 235) where the bar is not.
            "pixel": picture[3 * DEMO_HEIGHT // 4, DEMO_WIDTH - 8].tolist(),
            "audio_frames": counts["audio"],
            "audio_format": (audio_frame.sample_rate, audio_frame.layout.name, audio_frame.samples),
            "tone_hz": frequency,
            "png": png_path,
        }
    finally:
        await sender.close()
        await receiver.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="bulk transfer duration")
    parser.add_argument("--pings", type=int, default=1000, help="round trips to time")
    parser.add_argument("--message-size", type=int, default=16384, help="bulk message bytes")
    parser.add_argument("--media-seconds", type=float, default=5.0,
                        help="how long to receive media (0 skips the media part)")
    parser.add_argument("--png", default="demo-frame.png", help="where to write a received frame")
    args = parser.parse_args(argv)
    if args.media_seconds > 0:
        media = asyncio.run(run_media(args.media_seconds, args.png))
        progress("media done")
        print()
        print("python-webrtc demo: media from aiortc, received by the native engine")
        print(f"  video    {media['video_frames']:6d} frames  {media['video_size'][0]}x"
              f"{media['video_size'][1]}  {media['video_fps']:.1f} fps  dropped "
              f"{media['video_dropped']}  (pixel {media['pixel']}, sent [235, 235, 235])")
        rate, layout, samples = media["audio_format"]
        print(f"  audio    {media['audio_frames']:6d} frames  {rate} Hz {layout}, {samples} "
              f"samples each; tone {media['tone_hz']:.0f} Hz (sent 440 Hz)")
        print(f"  wrote    {media['png']}")
        print()
        media = asyncio.run(run_media(args.media_seconds, "", direction="send"))
        progress("media done")
        print()
        print("python-webrtc demo: media from Python tracks, sent by the native engine to aiortc")
        print(f"  video    {media['video_frames']:6d} frames  {media['video_size'][0]}x"
              f"{media['video_size'][1]}  {media['video_fps']:.1f} fps  "
              f"(pixel {media['pixel']}, sent [235, 235, 235])")
        rate, layout, samples = media["audio_format"]
        print(f"  audio    {media['audio_frames']:6d} frames  {rate} Hz {layout}, {samples} "
              f"samples each; tone {media['tone_hz']:.0f} Hz (sent 440 Hz)")
        print()
    result = asyncio.run(run(args.seconds, args.pings, args.message_size))
    progress("done")
    print()
    print("python-webrtc demo: two peers over loopback, one data channel")
    print(f"  connection setup   {result['connect_ms']:8.1f} ms (createOffer to channel open)")
    print(f"  round trips        {result['pings']:8d}    median {result['rtt_median_ms']:.3f} ms")
    print(f"  bulk transfer      {result['bytes'] / 1e6:8.1f} MB  {result['megabytes_per_second']:.1f} MB/s")
    print(f"  messages           {result['messages']:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
