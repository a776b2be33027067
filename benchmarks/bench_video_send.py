"""Video send benchmark: python-webrtc (webrtc.aiortc_compat) against aiortc as the SENDER, in one
run, over loopback. Run it in a loopback-only network namespace:

  cd / && /work/main/scripts/netns-run /work/main/.venv/bin/python \\
      /work/main/benchmarks/bench_video_send.py            (or: bash scripts/benchmark.sh send)

Add --seconds N for the window per library (default 20), --only ours or --only aiortc to
measure one sender, --json FILE to keep the figures (with the raw per-frame records).

For each library a sender process streams, from Python tracks written the aiortc way, 1280x720
30 fps moving video (a VideoStreamTrack subclass whose recv() awaits next_timestamp() and returns
av.VideoFrame.from_ndarray(picture, format="rgb24")) plus a 48 kHz mono s16 tone in 20 ms frames
(an AudioStreamTrack subclass paced by sleeping to real time), VP8 and Opus, the libraries'
defaults. The track code is the same for both; only the base classes and the RTCPeerConnection
come from `webrtc.aiortc_compat` or from `aiortc`. The receiver is always aiortc, in a third
process, so it is identical for both senders. This process only relays the signaling (JSON
lines over the children's stdin/stdout) and computes the figures.

The window starts when the sender has applied the answer and lasts --seconds. Measured:

  sender CPU     user+sys of the whole sender process (getrusage RUSAGE_SELF: all threads) in
                 the window, per second of the window, split into
                   making frames  time.thread_time() spent in the tracks' recv() (not their sleep)
                   conversion     rgb24 -> I420: ours, the pump pushing the av.VideoFrame into the
                                  native source (libyuv, on the pushing thread), timed around
                                  VideoFeeder.push; aiortc, frame.reformat("yuv420p") inside
                                  Vp8Encoder.encode, whose swscale runs in helper threads as
                                  well, so it is costed by a calibration of the same reformat
                                  on the same pictures (all threads, RUSAGE_SELF) before the run
                   video encoding ours, CPU of libwebrtc's "EncoderQueue" thread(s) from
                                  /proc/self/task/*/stat; aiortc, thread time of Vp8Encoder.encode
                                  minus its reformat (libvpx runs one thread on <3 cores)
                   audio encoding ours, libwebrtc's "AudioEncoder" thread; aiortc, thread time
                                  of OpusEncoder.encode
                   rest           total minus the above: RTP, SRTP, pacing, networking, the
                                  event loop, the pump
                 and, for reference, every thread's CPU by name (/proc/self/task/*/comm).
  arrived        at the receiver, per second counted from the first decoded video frame: the
                 first second on its own (the target is 720p30 from the first second), then
                 the rest of the window: frames/s, resolutions, received video Mbit/s (RTP
                 payload bytes).
  latency        glass to glass: the frame number is drawn into the picture as 2 rows of 20
                 black/white 64 px blocks (16 bits and a 4-bit checksum, the second row the
                 complement of the first); the sender notes time.monotonic() when it makes each
                 frame, the receiver when `await track.recv()` returns it and reads the number
                 back from the Y plane (CLOCK_MONOTONIC is shared by the processes): median and
                 95th percentile, for frames made in the window.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import fractions
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import threading
import time

import av
import numpy as np

SELF = os.path.abspath(__file__)
WIDTH, HEIGHT, FPS = 1280, 720, 30
AUDIO_RATE, AUDIO_SAMPLES = 48000, 960  # 20 ms
LIBRARIES = {"ours": "webrtc.aiortc_compat", "aiortc": "aiortc"}

# The frame number code: COLUMNS blocks per row, each WIDTH / COLUMNS pixels square.
COLUMNS, DATA_BITS = 20, 16
CHECK_BITS = COLUMNS - DATA_BITS
MIN_CONTRAST = 48  # luma difference a block and its complement must have to be read


def checksum(number: int) -> int:
    value = 0x5
    for shift in range(0, DATA_BITS, CHECK_BITS):
        value ^= (number >> shift) & ((1 << CHECK_BITS) - 1)
    return value


def code_bits(number: int) -> list[int]:
    word = (number & ((1 << DATA_BITS) - 1)) | (checksum(number) << DATA_BITS)
    return [(word >> bit) & 1 for bit in range(COLUMNS)]


def read_number(luma: np.ndarray, width: int, height: int) -> int:
    """The frame number drawn by Pictures.draw, from a Y plane of any scale; -1 if unreadable."""
    cell = width / COLUMNS
    if 2 * cell > height:
        return -1
    margin = cell / 4
    bits = 0
    for column in range(COLUMNS):
        x0, x1 = int(column * cell + margin), int((column + 1) * cell - margin)
        top = luma[int(margin) : int(cell - margin), x0:x1].mean()
        bottom = luma[int(cell + margin) : int(2 * cell - margin), x0:x1].mean()
        if abs(top - bottom) < MIN_CONTRAST:
            return -1
        bits |= int(top > bottom) << column
    number = bits & ((1 << DATA_BITS) - 1)
    return number if bits >> DATA_BITS == checksum(number) else -1


QUALITY_EVERY = 10  # frames between two picture-quality samples at the receiver


def luma_psnr(received: np.ndarray, sent_rgb: np.ndarray) -> float:
    """PSNR of a received Y plane against the sent rgb24 picture's luma (BT.601, limited range:
    what libyuv and swscale both convert rgb24 to), in dB; conversion rounding alone keeps
    even a lossless path below ~50 dB."""
    rgb = sent_rgb.astype(np.int32)
    reference = ((66 * rgb[..., 0] + 129 * rgb[..., 1] + 25 * rgb[..., 2] + 128) >> 8) + 16
    error = np.mean((received.astype(np.int32) - reference) ** 2, dtype=np.float64)
    return 10 * math.log10(255 * 255 / max(error, 1e-9))


class Pictures:
    """Moving rgb24 pictures: a colored gradient and a checkerboard that slide 4 px a frame,
    cut from one precomputed picture wider than the frame (periodic over 256 px), with the
    frame number blocks drawn on top. Making one costs two copies (into the numpy buffer,
    then into the av.VideoFrame), the same for both libraries."""

    PERIOD, STEP = 256, 4

    def __init__(self) -> None:
        y, x = np.mgrid[0:HEIGHT, 0 : WIDTH + self.PERIOD].astype(np.int32)
        checker = (((x // 32) + (y // 32)) & 1) * 48
        wide = np.empty((HEIGHT, WIDTH + self.PERIOD, 3), np.uint8)
        wide[..., 0] = ((x + y // 2) & 0xFF) * 3 // 4 + checker
        wide[..., 1] = ((2 * x - y) & 0xFF) * 3 // 4 + checker
        wide[..., 2] = (y * 255 // HEIGHT) * 3 // 4 + checker
        self.wide = wide
        self.buffer = np.empty((HEIGHT, WIDTH, 3), np.uint8)
        self.cell = WIDTH // COLUMNS

    def draw(self, number: int) -> np.ndarray:
        offset = (number * self.STEP) % self.PERIOD
        np.copyto(self.buffer, self.wide[:, offset : offset + WIDTH])
        cell = self.cell
        for column, bit in enumerate(code_bits(number)):
            x = column * cell
            self.buffer[0:cell, x : x + cell] = 255 * bit
            self.buffer[cell : 2 * cell, x : x + cell] = 255 * (1 - bit)
        return self.buffer


# --- The sender process ---------------------------------------------------------------------


class Counters:
    """CPU seconds and counts gathered by the tracks and the instrumented library code."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[str, float] = collections.defaultdict(float)
        self.encoder_tids: set[int] = set()

    def add(self, **amounts: float) -> None:
        with self.lock:
            for key, amount in amounts.items():
                self.values[key] += amount

    def snapshot(self) -> dict[str, float]:
        with self.lock:
            return dict(self.values)


COUNTERS = Counters()


def make_tracks(video_base, audio_base):
    """The tracks, on either library's base classes: the code is the same for both."""

    class PatternTrack(video_base):
        def __init__(self) -> None:
            super().__init__()
            self.pictures = Pictures()
            self.number = 0
            self.made: list[float] = []  # time.monotonic() when frame `index` was made

        async def recv(self):
            pts, time_base = await self.next_timestamp()
            made = time.monotonic()
            started = time.thread_time()
            picture = self.pictures.draw(self.number)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = pts, time_base
            self.made.append(made)
            self.number += 1
            COUNTERS.add(video_make_cpu=time.thread_time() - started, video_made=1)
            return frame

    class ToneTrack(audio_base):
        def __init__(self) -> None:
            super().__init__()
            # One second of a 440 Hz tone: a whole number of periods, so it loops seamlessly.
            t = np.arange(AUDIO_RATE) / AUDIO_RATE
            self.tone = (np.sin(2 * math.pi * 440 * t) * 8000).astype(np.int16)
            self.samples = 0
            self.start: float | None = None

        async def recv(self):
            if self.readyState != "live":
                raise media_stream_error()
            if self.start is None:
                self.start = time.monotonic()
            delay = self.start + self.samples / AUDIO_RATE - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            started = time.thread_time()
            offset = self.samples % AUDIO_RATE
            chunk = self.tone[offset : offset + AUDIO_SAMPLES].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
            frame.sample_rate = AUDIO_RATE
            frame.pts = self.samples
            frame.time_base = fractions.Fraction(1, AUDIO_RATE)
            self.samples += AUDIO_SAMPLES
            COUNTERS.add(audio_make_cpu=time.thread_time() - started, audio_made=1)
            return frame

    return PatternTrack(), ToneTrack()


media_stream_error = Exception  # replaced by the library's MediaStreamError


def run_delay() -> float:
    """Seconds this thread has spent runnable but waiting for a CPU (schedstat)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def instrument_ours() -> None:
    from webrtc import _mediapump

    original = _mediapump.VideoFeeder.push

    def push(self, frame, *args):
        started, wall, delay = time.thread_time(), time.perf_counter(), run_delay()
        try:
            return original(self, frame, *args)
        finally:
            COUNTERS.add(convert_cpu=time.thread_time() - started,
                         convert_wall=time.perf_counter() - wall,
                         convert_run_delay=run_delay() - delay, convert_calls=1)

    _mediapump.VideoFeeder.push = push


def instrument_aiortc() -> None:
    from aiortc.codecs import opus, vpx

    original_vp8 = vpx.Vp8Encoder.encode

    def encode_vp8(self, frame, force_keyframe=False):
        COUNTERS.encoder_tids.add(threading.get_native_id())
        started, wall, delay = time.thread_time(), time.perf_counter(), run_delay()
        if frame.format.name != "yuv420p":  # what Vp8Encoder.encode does first
            frame = frame.reformat(format="yuv420p")
        converted, converted_wall = time.thread_time(), time.perf_counter()
        converted_delay = run_delay()
        result = original_vp8(self, frame, force_keyframe)
        COUNTERS.add(convert_thread_cpu=converted - started,
                     convert_wall=converted_wall - wall, convert_calls=1,
                     convert_run_delay=converted_delay - delay,
                     encode_cpu=time.thread_time() - converted, encode_calls=1)
        return result

    original_opus = opus.OpusEncoder.encode

    def encode_opus(self, frame, force_keyframe=False):
        COUNTERS.encoder_tids.add(threading.get_native_id())
        started = time.thread_time()
        result = original_opus(self, frame, force_keyframe)
        COUNTERS.add(audio_encode_cpu=time.thread_time() - started)
        return result

    vpx.Vp8Encoder.encode = encode_vp8
    opus.OpusEncoder.encode = encode_opus


def calibrate_reformat(calls: int = 60) -> dict:
    """CPU (all threads) and thread time of PyAV's rgb24 -> yuv420p reformat of our pictures, as
    aiortc's Vp8Encoder does it (a new reformatter per frame, swscale's automatic threads)."""
    pictures = Pictures()
    frames = [av.VideoFrame.from_ndarray(pictures.draw(n).copy(), format="rgb24")
              for n in range(8)]
    for frame in frames:
        frame.reformat(format="yuv420p")
    process_started, thread_started = process_cpu(), time.thread_time()
    wall = time.perf_counter()
    for n in range(calls):
        # A fresh frame each time, as in the stream (the reformatter lives on the frame).
        av.VideoFrame.from_ndarray(frames[n % 8].to_ndarray(), format="rgb24").reformat(
            format="yuv420p")
    # Subtract the making of the fresh frames, measured the same way.
    process_mid, thread_mid = process_cpu(), time.thread_time()
    for n in range(calls):
        av.VideoFrame.from_ndarray(frames[n % 8].to_ndarray(), format="rgb24")
    making_process, making_thread = process_cpu() - process_mid, time.thread_time() - thread_mid
    return {
        "process_cpu_per_call": ((process_mid - process_started) - making_process) / calls,
        "thread_cpu_per_call": ((thread_mid - thread_started) - making_thread) / calls,
        "wall_per_call_incl_making": (time.perf_counter() - wall) / calls,
    }


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def thread_cpu() -> dict[int, tuple[str, float]]:
    """{tid: (name, user+sys seconds)} for this process's live threads."""
    threads = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:  # ended meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        threads[int(tid)] = (name, (int(fields[11]) + int(fields[12])) / CLOCK_TICK)
    return threads


def thread_deltas(before: dict, after: dict, encoder_tids: set[int]) -> dict[str, float]:
    """CPU seconds per thread name between two snapshots (threads born meanwhile count whole;
    threads that ended meanwhile are missing, their time is only in the process total)."""
    pid = os.getpid()
    by_name: dict[str, float] = collections.defaultdict(float)
    for tid, (name, seconds) in after.items():
        if tid == pid:
            name = f"{name} (main: event loop)"
        elif tid in encoder_tids:
            name = f"{name} (executor: encode)"
        by_name[name] += seconds - before.get(tid, (name, 0.0))[1]
    return dict(by_name)


def send_line(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def stdin_lines():
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        yield json.loads(line)


async def run_sender(library: str, seconds: float) -> None:
    global media_stream_error
    calibration = None
    if library == "ours":
        import webrtc
        from webrtc.aiortc_compat import (
            AudioStreamTrack,
            MediaStreamError,
            RTCConfiguration,
            RTCPeerConnection,
            RTCSessionDescription,
            VideoStreamTrack,
        )

        webrtc.allow_loopback()
        instrument_ours()
    else:
        import aioice.ice
        from aiortc import (
            AudioStreamTrack,
            MediaStreamError,
            RTCConfiguration,
            RTCPeerConnection,
            RTCSessionDescription,
            VideoStreamTrack,
        )

        # aiortc finds no address in a namespace that only has lo unless told to use 127.0.0.1.
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
        instrument_aiortc()
        calibration = calibrate_reformat()
    media_stream_error = MediaStreamError

    video, audio = make_tracks(VideoStreamTrack, AudioStreamTrack)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTrack(video)
        pc.addTrack(audio)
        await pc.setLocalDescription(await pc.createOffer())
        send_line({"type": "offer", "sdp": pc.localDescription.sdp})
        lines = stdin_lines()
        message = await anext(lines)
        assert message["type"] == "answer", message
        await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="answer"))

        start = time.monotonic()
        counters_before = COUNTERS.snapshot()
        cpu_before, threads_before = process_cpu(), thread_cpu()
        send_line({"type": "started", "t": start})
        await asyncio.sleep(seconds)
        end = time.monotonic()
        cpu_after, threads_after = process_cpu(), thread_cpu()
        counters = COUNTERS.snapshot()
        counters = {k: v - counters_before.get(k, 0.0) for k, v in counters.items()}

        stats = {}
        try:
            report = await pc.getStats()
            for item in report.values():
                if (getattr(item, "type", None), getattr(item, "kind", "")) == (
                        "outbound-rtp", "video"):
                    stats["video_bytes_sent"] = getattr(item, "bytesSent", None)
                    stats["video_frames_encoded"] = getattr(item, "framesEncoded", None)
        except Exception as error:  # noqa: BLE001  (optional figures)
            stats["error"] = repr(error)

        send_line({
            "type": "done",
            "start": start,
            "end": end,
            "cpu_seconds": cpu_after - cpu_before,
            "counters": counters,
            "threads": thread_deltas(threads_before, threads_after, COUNTERS.encoder_tids),
            "calibration": calibration,
            "made": video.made,
            "stats": stats,
        })
        async for message in lines:
            if message["type"] == "bye":
                break
    finally:
        await pc.close()
        video.stop()
        audio.stop()


# --- The receiver process (always aiortc) ---------------------------------------------------


async def run_receiver() -> None:
    import aioice.ice
    from aiortc import (
        MediaStreamError,
        RTCConfiguration,
        RTCPeerConnection,
        RTCSessionDescription,
        rtcrtpreceiver,
    )

    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

    packets: list[tuple[float, int]] = []  # (time.monotonic(), payload bytes) of video packets
    original = rtcrtpreceiver.RTCRtpReceiver._handle_rtp_packet

    async def handle_rtp_packet(self, packet, arrival_time_ms):
        if self._RTCRtpReceiver__kind == "video":
            packets.append((time.monotonic(), len(packet.payload)))
        return await original(self, packet, arrival_time_ms)

    rtcrtpreceiver.RTCRtpReceiver._handle_rtp_packet = handle_rtp_packet

    frames: list[tuple[float, int, int, int]] = []  # (time.monotonic(), number, width, height)
    quality: list[tuple[float, float]] = []  # (time.monotonic(), luma PSNR in dB) of samples
    pictures = Pictures()
    audio = {"frames": 0, "samples": 0, "rate": None}
    tasks = []

    async def consume_video(track):
        try:
            while True:
                frame = await track.recv()
                arrived = time.monotonic()
                plane = frame.planes[0]
                luma = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
                number = read_number(luma[: frame.height, : frame.width], frame.width, frame.height)
                frames.append((arrived, int(number), frame.width, frame.height))
                if number >= 0 and number % QUALITY_EVERY == 0 and (
                        frame.width, frame.height) == (WIDTH, HEIGHT):
                    quality.append((arrived, luma_psnr(luma[:HEIGHT, :WIDTH],
                                                       pictures.draw(number))))
        except MediaStreamError:
            pass

    async def consume_audio(track):
        try:
            while True:
                frame = await track.recv()
                audio["frames"] += 1
                audio["samples"] += frame.samples
                audio["rate"] = frame.sample_rate
        except MediaStreamError:
            pass

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))

    @pc.on("track")
    def on_track(track):
        tasks.append(asyncio.ensure_future(
            consume_video(track) if track.kind == "video" else consume_audio(track)))

    try:
        lines = stdin_lines()
        message = await anext(lines)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        send_line({"type": "answer", "sdp": pc.localDescription.sdp})
        async for message in lines:
            if message["type"] == "bye":
                break
        send_line({"type": "bye", "frames": frames, "packets": packets, "audio": audio,
                   "quality": quality})
    finally:
        for task in tasks:
            task.cancel()
        await pc.close()


# --- The parent: relay, analysis, report ----------------------------------------------------


class Child:
    """A child process speaking JSON lines; close() always ends it."""

    def __init__(self, *arguments: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, SELF, *arguments],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    async def receive(self, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            reading = asyncio.to_thread(self.process.stdout.readline)
            try:
                line = await asyncio.wait_for(reading, max(deadline - time.monotonic(), 0.1))
            except TimeoutError:
                raise TimeoutError(
                    f"no reply from {self.process.args[2:]} within {timeout:g} s") from None
            if not line:
                raise RuntimeError(f"{self.process.args[2:]} exited (status "
                                   f"{self.process.wait()}) before replying")
            try:
                message = json.loads(line)
            except ValueError:  # something a library printed
                print(f"  (child said: {line.rstrip()})", file=sys.stderr)
                continue
            if isinstance(message, dict):
                return message

    def send(self, message: dict) -> None:
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def close(self, timeout: float = 10) -> None:
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


def negotiated_codec(sdp: str, kind: str) -> str:
    """The first codec of the answer's m=<kind> section, which both sides then use."""
    payload = None
    for line in sdp.splitlines():
        if line.startswith("m="):
            fields = line.split()
            payload = fields[3] if fields[0] == f"m={kind}" and len(fields) > 3 else None
        elif payload and line.startswith(f"a=rtpmap:{payload} "):
            return line.split(" ", 1)[1]
    return "?"


async def measure(library: str, seconds: float) -> dict:
    receiver = Child("--role", "receiver")
    sender = Child("--role", "sender", "--library", library, "--seconds", str(seconds))
    try:
        offer = await sender.receive()
        receiver.send(offer)
        answer = await receiver.receive()
        sender.send(answer)
        started = await sender.receive()
        done = await sender.receive(timeout=seconds + 30)
        await asyncio.sleep(1.0)  # the frames made last are still on their way
        receiver.send({"type": "bye"})
        received = await receiver.receive()
        sender.send({"type": "bye"})
    finally:
        sender.close()
        receiver.close()
    assert started["type"] == "started" and done["type"] == "done", (started, done)
    done["codec"] = negotiated_codec(answer["sdp"], "video")
    done["audio_codec"] = negotiated_codec(answer["sdp"], "audio")
    return analyse(done, received)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def size_summary(frames) -> str:
    sizes = collections.Counter(f"{w}x{h}" for _, _, w, h in frames)
    if not sizes:
        return "none"
    return ", ".join(f"{size}" + (f" ({count})" if len(sizes) > 1 else "")
                     for size, count in sizes.most_common())


def analyse(sent: dict, received: dict) -> dict:
    start, end = sent["start"], sent["end"]
    window = end - start
    made = sent["made"]
    frames = [tuple(f) for f in received["frames"] if start <= f[0]]
    result: dict = {"window_s": window, "codec": sent["codec"], "audio_codec": sent["audio_codec"]}

    # --- CPU
    counters = sent["counters"]
    total = sent["cpu_seconds"]
    making = counters.get("video_make_cpu", 0.0)
    making_audio = counters.get("audio_make_cpu", 0.0)
    threads = sent["threads"]
    if sent["calibration"]:  # aiortc: swscale also runs in helper threads
        conversion = sent["calibration"]["process_cpu_per_call"] * counters.get("convert_calls", 0)
        encoding = counters.get("encode_cpu", 0.0)
        audio_encoding = counters.get("audio_encode_cpu", 0.0)
    else:
        conversion = counters.get("convert_cpu", 0.0)
        encoding = sum(v for name, v in threads.items() if name.startswith("EncoderQueue"))
        audio_encoding = sum(v for name, v in threads.items() if name.startswith("AudioEncoder"))

    def per_s(value: float | None) -> float | None:
        return value / window * 1000 if value is not None else None

    result.update(
        cpu_ms_per_s=per_s(total),
        make_ms_per_s=per_s(making),
        make_audio_ms_per_s=per_s(making_audio),
        convert_ms_per_s=per_s(conversion),
        encode_ms_per_s=per_s(encoding),
        audio_encode_ms_per_s=per_s(audio_encoding),
        rest_ms_per_s=per_s(total - making - making_audio - conversion - encoding
                            - audio_encoding),
        make_ms_per_frame=making / max(counters.get("video_made", 0), 1) * 1000,
        convert_ms_per_frame=conversion / max(counters.get("convert_calls", 0), 1) * 1000,
        convert_wall_ms_per_frame=counters.get("convert_wall", 0.0)
        / max(counters.get("convert_calls", 0), 1) * 1000,
        convert_run_delay_ms_per_frame=counters.get("convert_run_delay", 0.0)
        / max(counters.get("convert_calls", 0), 1) * 1000,
        convert_thread_ms_per_frame=counters.get("convert_thread_cpu", 0.0)
        / max(counters.get("convert_calls", 0), 1) * 1000,
        frames_made_per_s=counters.get("video_made", 0) / window,
        frames_pushed_per_s=counters.get("convert_calls", 0) / window,
        audio_frames_made_per_s=counters.get("audio_made", 0) / window,
        threads_ms_per_s={name: v / window * 1000 for name, v in
                          sorted(threads.items(), key=lambda item: -item[1]) if v > 0},
        calibration=sent["calibration"],
        sender_stats=sent["stats"],
    )

    # --- Arrivals, per second from the first decoded frame
    frames = [f for f in frames if f[0] <= end]
    if not frames:
        result.update(first_frame_s=None, error="no video frame arrived")
        return result
    first = frames[0][0]
    result["first_frame_s"] = first - start
    first_second = [f for f in frames if f[0] < first + 1]
    rest = [f for f in frames if f[0] >= first + 1]
    rest_seconds = end - (first + 1)
    per_second = collections.Counter(int(f[0] - first) for f in frames)
    full_seconds = [per_second.get(k, 0) for k in range(1, int(end - first))]
    result.update(
        first_second_fps=len(first_second),
        first_second_sizes=size_summary(first_second),
        first_second_720p=sum((w, h) == (WIDTH, HEIGHT) for _, _, w, h in first_second),
        rest_fps=len(rest) / rest_seconds if rest_seconds > 0 else math.nan,
        rest_min_fps=min(full_seconds) if full_seconds else None,
        rest_sizes=size_summary(rest),
        rest_720p_share=sum((w, h) == (WIDTH, HEIGHT) for _, _, w, h in rest) / max(len(rest), 1),
        fps_by_second=[per_second.get(k, 0) for k in range(int(end - first))],  # full seconds
        unreadable_frames=sum(1 for f in frames if f[1] < 0),
    )
    packets = [p for p in received["packets"] if start <= p[0] <= end]
    first_second_bytes = sum(b for t, b in packets if first <= t < first + 1)
    rest_bytes = sum(b for t, b in packets if t >= first + 1)
    result.update(
        first_second_mbit=first_second_bytes * 8 / 1e6,
        rest_mbit_per_s=rest_bytes * 8 / 1e6 / rest_seconds if rest_seconds > 0 else math.nan,
        audio_received=received["audio"],
    )
    psnr = [q for t, q in received.get("quality", []) if start <= t <= end]
    result.update(
        psnr_mean_db=statistics.mean(psnr) if psnr else math.nan,
        psnr_p5_db=percentile(psnr, 0.05) if psnr else math.nan,
        psnr_samples=len(psnr),
    )

    # --- Latency: frames made in the window, matched by the number in their pixels
    latencies, first_latencies = [], []
    seen = set()
    for arrived, number, _, _ in frames:
        # 16 bits: take the made frame with that number closest before the arrival.
        if number < 0:
            continue
        candidates = range(number, len(made), 1 << DATA_BITS)
        index = max((i for i in candidates if made[i] <= arrived), default=None,
                    key=lambda i: made[i])
        if index is None or made[index] < start:
            continue
        seen.add(index)
        latencies.append((arrived - made[index]) * 1000)
        if arrived < first + 1:
            first_latencies.append((arrived - made[index]) * 1000)
    made_in_window = [i for i, t in enumerate(made) if start <= t <= end - 0.5]
    result.update(
        latency_median_ms=statistics.median(latencies) if latencies else math.nan,
        latency_p95_ms=percentile(latencies, 0.95),
        latency_first_second_median_ms=(statistics.median(first_latencies)
                                        if first_latencies else math.nan),
        latency_frames=len(latencies),
        # Made at least 0.5 s before the end but never shown by the receiver.
        frames_lost=sum(1 for i in made_in_window if i not in seen),
        frames_made_checked=len(made_in_window),
    )
    return result


ROWS = [
    # label, key, lower is better (None: no ratio), format
    ("SENDER CPU (ms CPU per s of media)", None, None, None),
    ("  total, all threads", "cpu_ms_per_s", True, "{:.0f}"),
    ("  making video frames (track.recv)", "make_ms_per_s", True, "{:.1f}"),
    ("  making audio frames", "make_audio_ms_per_s", True, "{:.1f}"),
    ("  conversion rgb24->I420", "convert_ms_per_s", True, "{:.1f}"),
    ("  video encoding (VP8)", "encode_ms_per_s", True, "{:.0f}"),
    ("  audio encoding (Opus)", "audio_encode_ms_per_s", True, "{:.1f}"),
    ("  rest (RTP, SRTP, pacing, net, loop)", "rest_ms_per_s", True, "{:.0f}"),
    ("  per frame: making (ms)", "make_ms_per_frame", None, "{:.2f}"),
    ("  per frame: conversion CPU (ms)", "convert_ms_per_frame", True, "{:.2f}"),
    ("  per frame: conversion wall (ms)", "convert_wall_ms_per_frame", True, "{:.2f}"),
    ("    of it waiting for a CPU (ms)", "convert_run_delay_ms_per_frame", None, "{:.2f}"),
    ("  frames made / pushed per s", ("frames_made_per_s", "frames_pushed_per_s"), None, None),
    ("ARRIVED AT THE RECEIVER (aiortc)", None, None, None),
    ("  first frame after answer (s)", "first_frame_s", True, "{:.2f}"),
    ("  1st second: frames", "first_second_fps", False, "{:d}"),
    ("  1st second: of them 1280x720", "first_second_720p", False, "{:d}"),
    ("  1st second: sizes", "first_second_sizes", None, "{}"),
    ("  1st second: video Mbit", "first_second_mbit", None, "{:.2f}"),
    ("  after: frames/s (mean)", "rest_fps", False, "{:.1f}"),
    ("  after: worst second (frames)", "rest_min_fps", False, "{:d}"),
    ("  after: sizes", "rest_sizes", None, "{}"),
    ("  after: share at 1280x720", "rest_720p_share", False, "{:.0%}"),
    ("  after: video Mbit/s", "rest_mbit_per_s", None, "{:.2f}"),
    ("  picture quality: luma PSNR, mean (dB)", "psnr_mean_db", False, "{:.1f}"),
    ("  picture quality: 5th percentile (dB)", "psnr_p5_db", False, "{:.1f}"),
    ("  frames lost (made, never shown)", "frames_lost", None, "{:d}"),
    ("  frames with unreadable number", "unreadable_frames", None, "{:d}"),
    ("GLASS-TO-GLASS LATENCY (ms)", None, None, None),
    ("  median", "latency_median_ms", True, "{:.0f}"),
    ("  95th percentile", "latency_p95_ms", True, "{:.0f}"),
    ("  median in the 1st second", "latency_first_second_median_ms", True, "{:.0f}"),
]
CELL = 24


def cell(result: dict | None, key, form: str | None) -> str:
    if result is None:
        return f"{'-':>{CELL}}"
    if isinstance(key, tuple):
        text = " / ".join(f"{result.get(k, math.nan):.1f}" for k in key)
    else:
        value = result.get(key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            text = "n/a"
        elif form == "{:d}":
            text = str(int(value))
        else:
            text = form.format(value)
    if len(text) > CELL - 1:
        text = text[: CELL - 2] + "~"
    return f"{text:>{CELL}}"


def report(results: dict, seconds: float) -> None:
    ours, theirs = results.get("ours"), results.get("aiortc")
    some = ours or theirs
    print(f"1280x720 {FPS} fps rgb24 track + 48 kHz mono tone, sent for {seconds:g} s each; "
          f"video {some.get('codec', '?')}, audio {some.get('audio_codec', '?')}")
    print(f"{'':38}{'ours':>{CELL}}{'aiortc':>{CELL}}{'ratio':>8}")
    for label, key, lower, form in ROWS:
        if key is None:
            print(label)
            continue
        ratio = ""
        if ours and theirs and lower is not None and not isinstance(key, tuple):
            a, b = ours.get(key), theirs.get(key)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a > 0 and b > 0:
                ratio = f"{(b / a if lower else a / b):.2f}x"
        if key == "convert_ms_per_s" and theirs:
            label += " *"
        print(f"{label:38}{cell(ours, key, form)}{cell(theirs, key, form)}{ratio:>8}")
    print("ratio: how many times better ours is (aiortc / ours for costs and latency, "
          "ours / aiortc for frames)")
    if theirs and theirs.get("calibration"):
        c = theirs["calibration"]
        print(f"*  aiortc: frame.reformat('yuv420p') inside Vp8Encoder.encode, costed at "
              f"{c['process_cpu_per_call'] * 1000:.2f} ms CPU per frame (all threads; "
              f"{c['thread_cpu_per_call'] * 1000:.2f} ms of it in the calling thread, the rest "
              f"swscale's helpers), calibrated before the run; in the stream its calling "
              f"thread spent {theirs['convert_thread_ms_per_frame']:.2f} ms per frame")
    for name, result in results.items():
        if result is None:
            continue
        print(f"frames/s by second at the receiver, {name}: {result.get('fps_by_second')}")
    for name, result in results.items():
        if result is None:
            continue
        threads = ", ".join(f"{n} {v:.0f}" for n, v in result["threads_ms_per_s"].items()
                            if v >= 1)
        print(f"sender threads, {name} (ms CPU per s): {threads}")
        audio = result.get("audio_received") or {}
        print(f"  audio received by aiortc: {audio.get('frames')} frames, "
              f"{(audio.get('samples') or 0) / (audio.get('rate') or 48000):.1f} s of samples")


async def run_all(args) -> dict:
    results = {}
    for name in args.only or LIBRARIES:
        try:
            results[name] = await measure(name, args.seconds)
            print(f"  measured {name}", file=sys.stderr, flush=True)
        except Exception as error:  # noqa: BLE001  (report it, go on with the other)
            print(f"  FAILED {name}: {type(error).__name__}: {error}", file=sys.stderr)
            results[name] = None
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="window per library")
    parser.add_argument("--only", choices=list(LIBRARIES), action="append",
                        help="measure only this sender (repeatable)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--role", choices=("parent", "sender", "receiver"), default="parent",
                        help=argparse.SUPPRESS)
    parser.add_argument("--library", choices=list(LIBRARIES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "sender":
        asyncio.run(run_sender(args.library, args.seconds))
        return
    if args.role == "receiver":
        asyncio.run(run_receiver())
        return
    results = asyncio.run(run_all(args))
    if any(results.values()):
        report(results, args.seconds)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    if not all(results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
