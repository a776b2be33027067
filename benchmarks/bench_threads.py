"""Frame conversion on several threads: 1920x1080 VideoFrame.to_ndarray("rgb24") from 1, 2 and
4 Python threads at once, conversions per second in all. On a free-threaded CPython run it
with PYTHON_GIL=0 (the GIL off); on a build with a GIL the conversion releases it anyway,
so this shows what is left of Python's share. No network:

  PYTHON_GIL=0 .venv-3.13t/bin/python benchmarks/bench_threads.py     (or .venv/bin/python)

--seconds N per thread count (default 3)."""

from __future__ import annotations

import argparse
import sys
import threading
import time

import numpy as np

import webrtc
from webrtc import _native

WIDTH, HEIGHT = 1920, 1080


def make_frame() -> webrtc.VideoFrame:
    rng = np.random.default_rng(1)
    planes = rng.integers(0, 256, WIDTH * HEIGHT * 3 // 2, dtype=np.uint8)
    return webrtc.VideoFrame(_native.VideoFrame.from_yuv420p(planes.tobytes(), WIDTH, HEIGHT))


def run(threads: int, seconds: float, frame) -> float:
    counts = [0] * threads
    start = threading.Barrier(threads + 1)
    stop = time.monotonic() + seconds + 0.05

    def work(slot: int) -> None:
        start.wait()
        while time.monotonic() < stop:
            frame.to_ndarray(format="rgb24")
            counts[slot] += 1

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.monotonic()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.monotonic() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    frame = make_frame()
    frame.to_ndarray(format="rgb24")  # warm up
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"Python {sys.version.split()[0]}, GIL {'on' if gil else 'off'}; "
          f"1920x1080 to_ndarray('rgb24'), conversions/s")
    baseline = None
    for threads in (1, 2, 4):
        rate = run(threads, args.seconds, frame)
        baseline = baseline or rate
        print(f"  {threads} thread{'s' if threads > 1 else ' '}  {rate:7.1f}/s  "
              f"{rate / baseline:4.2f}x  ({rate * WIDTH * HEIGHT * 3 / 1e9:.2f} GB/s of rgb24)")


if __name__ == "__main__":
    main()
