"""Video receive benchmark: python-webrtc (webrtc.aiortc_compat) against aiortc, in one run, over
loopback. Run it in a loopback-only network namespace, from the repository root:

  WEBRTC_ALLOW_LOOPBACK=1 scripts/netns-run .venv/bin/python benchmarks/bench_video_receive.py

Add --only aiortc or --only ours to measure one receiver, --quick for a short run, --json FILE
to keep the figures.

A sender process (benchmarks/_video_sender.py, aiortc) streams a pre-encoded VP8 clip at 30 fps,
1280x720 (2.5 Mbps) and 1920x1080 (5 Mbps), packet for packet, so the sender is identical for
both receivers and never runs in the measured process. The clip is encoded once with PyAV and
cached in ~/.cache/python-webrtc/media/. For each receiver and size this process measures:

  frames/s       frames returned by track.recv(), after a warm-up
  CPU per frame  CPU time of this process (all threads: depacketizing, decoding, the event loop)
                 per received frame, including frame.to_ndarray(format="rgb24") on every frame
  conversions    median time of to_ndarray(format="rgb24") and of to_image() on one received
                 frame, with a numpy copy of the rgb24 array as the reference

glibc's malloc is pinned to keep freed multi-megabyte buffers (see pin_allocator): with its
default, adaptive settings, whether each new frame-sized buffer costs fresh page faults flips
from one run to the next, and aiortc's to_image() at 720p measured 0.9 ms in some runs and
4.5-5 ms in others. --malloc-default measures under the default settings instead.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import fractions
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import av
import numpy as np

SENDER = Path(__file__).resolve().parent / "_video_sender.py"
CACHE = Path.home() / ".cache" / "python-webrtc" / "media"
FPS = 30
GOP = 30  # a keyframe every second: a passthrough sender cannot answer a PLI
SIZES = {"720p": (1280, 720, 2_500_000), "1080p": (1920, 1080, 5_000_000)}
RECEIVERS = {"ours": "webrtc.aiortc_compat", "aiortc": "aiortc"}
CLIP_VERSION = 2  # bump when the clip's content or encoding settings change


# --- The clip -------------------------------------------------------------------------------


def clip_path(size: str, seconds: int) -> Path:
    width, height, bitrate = SIZES[size]
    kbps = bitrate // 1000
    return CACHE / f"vp8_{width}x{height}_{FPS}fps_{kbps}k_gop{GOP}_{seconds}s_v{CLIP_VERSION}.ivf"


def synthetic_frames(width: int, height: int, count: int):
    """yuv420p frames of moving content that costs real bits: a drifting gradient, a scrolling
    checkerboard and blocks of fresh noise that wander across the picture. (Unconstrained,
    libvpx needs about 19 Mbit/s for it at 720p, so the target rate binds.)"""
    rng = np.random.default_rng(1234)
    y_axis, x_axis = np.mgrid[0:height, 0:width].astype(np.int32)
    cy_axis, cx_axis = np.mgrid[0 : height // 2, 0 : width // 2].astype(np.int32)
    block = 64
    blocks = [(rng.integers(0, width - block), rng.integers(0, height - block)) for _ in range(12)]
    for index in range(count):
        gradient = (x_axis + y_axis // 2 + 6 * index) & 0xFF
        checker = (((x_axis + 5 * index) // 24 + (y_axis + 3 * index) // 24) & 1) * 60
        luma = gradient * 3 // 4 + checker
        for number, (bx, by) in enumerate(blocks):
            x = (bx + (number + 1) * 7 * index) % (width - block)
            y = (by + (number % 5 + 1) * 3 * index) % (height - block)
            # Noise on top of the picture rather than pure noise: pure noise blocks cannot be
            # squeezed to the target rate even at the coarsest quantizer.
            luma[y : y + block, x : x + block] += rng.integers(-40, 41, (block, block))
        luma = np.clip(luma, 0, 255).astype(np.uint8)
        chroma_u = ((cx_axis * 2 - 4 * index) & 0xFF).astype(np.uint8)
        chroma_v = ((cy_axis * 3 + 2 * index) & 0xFF).astype(np.uint8)
        # yuv420p as PyAV takes it from numpy: the Y plane, then U and V stacked as half-rows.
        planes = np.concatenate(
            [luma.ravel(), chroma_u.ravel(), chroma_v.ravel()]
        ).reshape(height * 3 // 2, width)
        frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        frame.pts = index
        frame.time_base = fractions.Fraction(1, FPS)
        yield frame


def ensure_clip(size: str, seconds: int) -> Path:
    """The cached clip for `size`, encoding it first if it is missing."""
    path = clip_path(size, seconds)
    if path.exists():
        return path
    width, height, bitrate = SIZES[size]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".partial{os.getpid()}")  # a killed encode leaves no clip behind
    print(f"  encoding {path.name} (once; cached) ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        with av.open(str(partial), "w", format="ivf") as container:
            stream = container.add_stream("libvpx", rate=FPS)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.bit_rate = bitrate
            stream.gop_size = GOP
            stream.codec_context.thread_count = os.cpu_count() or 1
            stream.options = {
                # minrate = maxrate = bitrate makes libvpx hold the rate (CBR), like a live sender.
                "minrate": str(bitrate),
                "maxrate": str(bitrate),
                "bufsize": str(bitrate),
                "deadline": "realtime",
                "cpu-used": "8",
                "keyint_min": str(GOP),
            }
            for frame in synthetic_frames(width, height, seconds * FPS):
                container.mux(stream.encode(frame))
            container.mux(stream.encode())
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    elapsed = time.perf_counter() - started
    megabits = path.stat().st_size * 8 / seconds / 1e6
    print(f"  encoded in {elapsed:.1f} s ({megabits:.2f} Mbit/s)", file=sys.stderr, flush=True)
    return path


def pin_allocator() -> bool:
    """Keeps large freed blocks in the heap instead of unmapping them, in this process only.

    A frame-sized buffer (2.7 MB rgb24 at 720p, 6.2 MB at 1080p) is above glibc's initial mmap
    threshold; glibc raises the threshold as such blocks are freed and trims the heap top past
    another threshold, so whether a conversion reuses warm memory or page-faults in fresh memory
    depends on the heap's history. Fixing both thresholds makes it the same in every run, and
    for both receivers: the timings then measure the libraries' work, not the kernel's."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # from <malloc.h>
    return bool(
        libc.mallopt(m_mmap_threshold, 32 << 20)  # the largest value glibc accepts
        and libc.mallopt(m_trim_threshold, 256 << 20)
    )


# --- One receiver run -----------------------------------------------------------------------


@dataclass
class Result:
    frames_per_s: float
    cpu_ms_per_frame: float
    frames: int
    frames_missing: int  # gaps in pts during the window (-1: the frames carry no time_base)
    to_ndarray_rgb24_ms: float
    to_ndarray_rgb24_cpu_ms: float
    to_image_ms: float
    to_image_cpu_ms: float
    numpy_copy_ms: float
    sender_cpu_ms_per_frame: float


class Sender:
    """The sender process and its JSON-lines signaling; always ends the process on close()."""

    def __init__(self, clip: Path, max_seconds: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(SENDER), str(clip), "--max-seconds", str(max_seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    async def receive(self, timeout: float = 30) -> dict:
        # A blocking readline in a thread: it returns at the latest when the process ends.
        reading = asyncio.to_thread(self.process.stdout.readline)
        line = await within(reading, timeout, "reply from the sender")
        if not line:
            raise RuntimeError(f"sender exited (status {self.process.poll()}) before replying")
        return json.loads(line)

    def send(self, message: dict) -> None:
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    async def stop(self) -> dict:
        """Asks the sender to close, returns its last report ({} if it gave none)."""
        try:
            self.send({"type": "bye"})
            while (message := await self.receive(timeout=10))["type"] != "bye":
                pass
            return message
        except (OSError, RuntimeError, ValueError):  # TimeoutError is an OSError
            return {}
        finally:
            self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()
            except OSError:
                pass


async def within(awaitable, seconds: float, what: str):
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        raise TimeoutError(f"no {what} within {seconds:g} s") from None


def time_calls(function, calls: int) -> tuple[float, float]:
    """(median wall ms, mean CPU ms) per call. Both, because a converter may use several threads
    (PyAV 18's swscale does by default): its wall time then hides part of its cost."""
    for _ in range(3):  # warm caches and lazily created converters
        function()
    times = []
    cpu_started = time.process_time()
    for _ in range(calls):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    cpu_ms = (time.process_time() - cpu_started) / calls * 1000
    return statistics.median(times) * 1000, cpu_ms


async def receive_once(module_name: str, clip: Path, size: str, args) -> Result:
    if module_name == "aiortc":
        import aioice.ice
        from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

        # aiortc finds no address in a namespace that only has lo unless told to use 127.0.0.1.
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    else:
        import webrtc
        from webrtc.aiortc_compat import (
            RTCConfiguration,
            RTCPeerConnection,
            RTCSessionDescription,
        )

        webrtc.allow_loopback()
    width, height, _ = SIZES[size]
    loop = asyncio.get_running_loop()
    sender = Sender(clip, max_seconds=args.warmup + args.seconds + 60)
    pc = None
    try:
        offer = await sender.receive()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # no STUN server to reach
        got_track = loop.create_future()

        # aiortc emits "track" inside setRemoteDescription, so the handler must exist before.
        @pc.on("track")
        def on_track(track):
            if track.kind == "video" and not got_track.done():
                got_track.set_result(track)

        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        sender.send({"type": "answer", "sdp": pc.localDescription.sdp})
        track = await within(got_track, 10, "video 'track' event after setRemoteDescription")

        async def next_frame():
            frame = await within(track.recv(), 10, "frame from track.recv()")
            frame.to_ndarray(format="rgb24")  # part of the measured cost on every frame
            return frame

        frame = await next_frame()  # the clip starts with a keyframe: no PLI needed
        if (frame.width, frame.height) != (width, height):
            raise RuntimeError(f"received {frame.width}x{frame.height}, sent {width}x{height}")
        warmup_end = time.perf_counter() + args.warmup
        while time.perf_counter() < warmup_end:
            frame = await next_frame()

        gc.collect()
        first_pts = frame.pts
        frames = 0
        cpu_started = time.process_time()
        started = now = time.perf_counter()
        while now - started < args.seconds:
            frame = await next_frame()
            frames += 1
            now = time.perf_counter()
        cpu_used = time.process_time() - cpu_started
        elapsed = now - started

        time_base = getattr(frame, "time_base", None)
        if time_base and frame.pts is not None and first_pts is not None:
            expected = round((frame.pts - first_pts) * time_base * FPS)
            missing = expected - frames
        else:
            missing = -1

        # Convert one frame in isolation, with the sender gone so nothing competes for the CPU.
        report = await sender.stop()
        image = frame.to_ndarray(format="rgb24")
        if image.shape != (height, width, 3):
            raise RuntimeError(f"to_ndarray(format='rgb24') gave shape {image.shape}")
        to_ndarray_ms, to_ndarray_cpu_ms = time_calls(
            lambda: frame.to_ndarray(format="rgb24"), args.calls
        )
        to_image_ms, to_image_cpu_ms = time_calls(frame.to_image, args.calls)
        copy_ms, _ = time_calls(image.copy, args.calls)
        packets_sent = report.get("packets_sent") or 0
        sender_cpu = report.get("cpu_seconds", math.nan)
        return Result(
            frames_per_s=frames / elapsed,
            cpu_ms_per_frame=cpu_used / frames * 1000,
            frames=frames,
            frames_missing=missing,
            to_ndarray_rgb24_ms=to_ndarray_ms,
            to_ndarray_rgb24_cpu_ms=to_ndarray_cpu_ms,
            to_image_ms=to_image_ms,
            to_image_cpu_ms=to_image_cpu_ms,
            numpy_copy_ms=copy_ms,
            sender_cpu_ms_per_frame=sender_cpu / packets_sent * 1000 if packets_sent else math.nan,
        )
    finally:
        sender.close()
        if pc is not None:
            await pc.close()


async def run(args) -> tuple[dict, list[str]]:
    results: dict[str, dict[str, dict]] = {}
    failures = []
    clip_seconds = max(20, math.ceil(args.warmup + args.seconds + 10))  # the sender never loops
    for size in args.sizes:
        clip = ensure_clip(size, clip_seconds)
        results[size] = {}
        for name in args.only or RECEIVERS:
            gc.collect()
            try:
                result = await receive_once(RECEIVERS[name], clip, size, args)
            except Exception as error:  # noqa: BLE001  (report it, go on with the other receiver)
                failures.append(f"{name} {size}: {type(error).__name__}: {error}")
                print(f"  FAILED {name} {size}: {type(error).__name__}: {error}", file=sys.stderr)
                continue
            results[size][name] = asdict(result)
            print(f"  measured {name} {size}", file=sys.stderr, flush=True)
    return results, failures


# --- Report ---------------------------------------------------------------------------------

ROWS = [
    # label, key, lower is better, target as (minimum ratio, sizes it applies to)
    ("frames/s received", "frames_per_s", False, None),
    ("CPU per frame incl. rgb24 (ms)", "cpu_ms_per_frame", True, (3.0, ("720p", "1080p"))),
    ("to_ndarray rgb24 (median ms)", "to_ndarray_rgb24_ms", True, (1.0, ("1080p",))),
    ("  its CPU time (ms per call)", "to_ndarray_rgb24_cpu_ms", True, None),
    ("to_image (median ms)", "to_image_ms", True, (3.0, ("720p", "1080p"))),
    ("  its CPU time (ms per call)", "to_image_cpu_ms", True, None),
    ("numpy copy of rgb24 (ms, reference)", "numpy_copy_ms", True, None),
    ("frames missing (pts gaps)", "frames_missing", True, None),
    ("sender CPU per frame (ms, other proc)", "sender_cpu_ms_per_frame", True, None),
]
NO_RATIO = {"numpy_copy_ms", "frames_missing", "sender_cpu_ms_per_frame"}  # references, not scores


def format_cell(value, key: str) -> str:
    if value is None:
        return f"{'n/a':>10}"
    if key == "frames_missing":
        return f"{value:>10}" if value >= 0 else f"{'?':>10}"
    return f"{value:>10.2f}"


def report(results: dict) -> None:
    print(f"{'':40}{'ours':>10}{'aiortc':>10}{'ratio':>9}   target")
    for size, by_receiver in results.items():
        width, height, bitrate = SIZES[size]
        print(f"{width}x{height} {FPS} fps VP8 {bitrate / 1e6:g} Mbit/s")
        ours, theirs = by_receiver.get("ours"), by_receiver.get("aiortc")
        for label, key, lower_is_better, target in ROWS:
            cells = [format_cell(r[key] if r else None, key) for r in (ours, theirs)]
            ratio_text, target_text = "", ""
            if ours and theirs and key not in NO_RATIO and ours[key] > 0 and theirs[key] > 0:
                ratio = theirs[key] / ours[key] if lower_is_better else ours[key] / theirs[key]
                ratio_text = f"{ratio:.2f}x"
                if target and size in target[1]:
                    met = ratio >= target[0] if target[0] > 1 else ratio > target[0]
                    sign = ">=" if target[0] > 1 else ">"
                    target_text = f"{sign}{target[0]:g}x {'met' if met else 'NOT MET'}"
            elif target and size in target[1]:
                target_text = f"{'>=' if target[0] > 1 else '>'}{target[0]:g}x"
            print(f"  {label:38}{''.join(cells)}{ratio_text:>9}   {target_text}")
    print("ratio: how many times better ours is (aiortc / ours for times, ours / aiortc for rates)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=list(RECEIVERS), action="append",
                        help="measure only this receiver (repeatable)")
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds received unmeasured")
    parser.add_argument("--seconds", type=float, default=8.0, help="measurement window")
    parser.add_argument("--calls", type=int, default=40, help="calls per conversion median")
    parser.add_argument("--quick", action="store_true", help="1 s warm-up, 3 s window, 15 calls")
    parser.add_argument("--malloc-default", action="store_true",
                        help="leave glibc malloc's adaptive thresholds alone (noisier)")
    parser.add_argument("--json", help="also write the results to this file")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.warmup, arguments.seconds, arguments.calls = 1.0, 3.0, 15
    pinned = not arguments.malloc_default and pin_allocator()
    outcome, problems = asyncio.run(run(arguments))
    report(outcome)
    print(f"malloc: {'large blocks kept (pinned)' if pinned else 'glibc default'}")
    if arguments.json:
        with open(arguments.json, "w") as f:
            json.dump({"results": outcome, "failures": problems, "malloc_pinned": pinned}, f,
                      indent=2)
    if problems:
        print("failed:\n  " + "\n  ".join(problems), file=sys.stderr)
        sys.exit(1)
