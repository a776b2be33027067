"""tools/soak.py in its short form: two of our peers with video, audio and a data channel for
130 s, sampled every 10 s. The tool's own verdict must pass (no RSS trend beyond its bound,
no thread or descriptor growth, no stall, no lost or reordered message), and its samples and
plot must exist and show the traffic that was sent. The verdict itself is checked on made-up
samples: each kind of failure it exists to catch is caught.

Not in conftest.SMOKE_TESTS, so it runs only in the main (Debian Python) suite: it takes over
two minutes and needs PyAV and Pillow."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import argparse

import pytest
from PIL import Image

TOOLS = os.path.join(os.path.dirname(__file__), "..", "tools")
TOOL = os.path.join(TOOLS, "soak.py")
DURATION, INTERVAL = 130, 10


@pytest.mark.timeout(DURATION + 120)
def test_media_and_messages_for_two_minutes_neither_leak_nor_stall(tmp_path):
    stem = tmp_path / "soak"
    result = subprocess.run(
        [sys.executable, TOOL, "--duration", str(DURATION), "--interval", str(INTERVAL),
         "--out", str(stem)],
        capture_output=True, text=True, timeout=DURATION + 90,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["problems"] == []

    with open(stem.with_suffix(".csv"), newline="") as samples_file:
        samples = list(csv.DictReader(samples_file))
    assert len(samples) == DURATION // INTERVAL == report["samples"]
    for sample in samples:
        # 30 fps of video, 50 audio frames of 20 ms and 50 messages each way a second; the
        # bounds leave room for a busy shared machine, not for a stall.
        assert 15 <= float(sample["video_fps"]) <= 33, sample
        assert 45 <= float(sample["audio_fps"]) <= 55, sample
        assert 45 <= float(sample["messages_ab_per_s"]) <= 55, sample
        assert 45 <= float(sample["messages_ba_per_s"]) <= 55, sample
        assert sample["state"] == "connected/connected"
        assert int(sample["lost"]) == int(sample["out_of_order"]) == 0
        assert 0 < float(sample["rss_mb"]) < 2000 and int(sample["threads"]) > 1
    assert samples[-1]["video_size"] == "640x360"
    assert int(samples[-1]["audio_peak"]) > 1000  # the tone, not silence
    assert report["checked_pictures"] >= DURATION * 15 // 30

    with Image.open(stem.with_suffix(".png")) as plot:
        assert plot.format == "PNG" and plot.width >= 1000 and plot.height >= 1000
        # Drawn on, not blank: the lines' colours are there.
        assert len(plot.convert("RGB").getcolors(1 << 16) or ()) > 10


def made_up_samples(count=60, interval=60.0, rss=lambda i: 200.0, threads=lambda i: 18,
                    **changes_at):
    """Samples of a healthy run; changes_at={"30": {...}} alters sample 30's fields."""
    samples = []
    for i in range(1, count + 1):
        sample = {"t_s": i * interval, "rss_mb": rss(i), "threads": threads(i), "fds": 20,
                  "video_fps": 30.0, "audio_fps": 50.0, "messages_ab_per_s": 50.0,
                  "messages_ba_per_s": 50.0, "state": "connected/connected", "lost": 0,
                  "out_of_order": 0, "bad_pictures": 0}
        sample.update(changes_at.get(str(i), {}))
        samples.append(sample)
    return samples


def test_verdict_catches_rss_growth_thread_growth_stalls_and_losses():
    sys.path.insert(0, TOOLS)
    try:
        import soak
    finally:
        sys.path.remove(TOOLS)
    limits = argparse.Namespace(rss_limit=20.0, thread_margin=2, fd_margin=2)

    problems, fit = soak.judge(made_up_samples(), limits)
    assert problems == [] and fit["warmup_samples"] == 12 and fit["rss_slope_mb_per_h"] == 0
    # Growth during the warm-up (pools, arenas filling) is not a leak; afterwards it is.
    settling = made_up_samples(rss=lambda i: 200 + 3 * min(i, 10))
    assert soak.judge(settling, limits)[0] == []
    (problem,) = soak.judge(made_up_samples(rss=lambda i: 200 + 0.5 * i), limits)[0]
    assert problem.startswith("RSS grows 30.0 MB/h after the warm-up (limit 20.0 MB/h)")
    assert soak.judge(made_up_samples(rss=lambda i: 200 + 0.25 * i), limits)[0] == []  # 15 MB/h
    # Over two minutes, a steep but tiny rise is allocator noise; a big one is not.
    assert soak.judge(made_up_samples(13, 10, rss=lambda i: 200 + 0.1 * i), limits)[0] == []
    assert soak.judge(made_up_samples(13, 10, rss=lambda i: 200 + 2 * i), limits)[0]

    # A step of retained free memory in RSS over a short run is not a leak; malloc's bytes
    # in use growing is, and so are Python objects piling up.
    step = made_up_samples(13, 10, rss=lambda i: 200 + 11 * (i > 6))
    assert soak.judge(step, limits)[0] == []
    native = made_up_samples(13, 10)
    for i, sample in enumerate(native):
        sample["malloc_in_use_mb"] = 30 + 0.5 * i
    (problem,) = soak.judge(native, limits)[0]
    assert problem.startswith("malloc's bytes in use grow 180.0 MB/h after the warm-up")
    python = made_up_samples()
    for i, sample in enumerate(python):
        sample["py_objects"] = 30000 + 50 * i
    (problem,) = soak.judge(python, limits)[0]
    assert problem.startswith("Python objects tracked by the GC rose from 30600 after the "
                              "warm-up to 32950")

    (problem,) = soak.judge(made_up_samples(threads=lambda i: 18 + i // 20), limits)[0]
    assert problem == "threads rose from 18 after the warm-up to 21 (margin 2)"
    stalled = made_up_samples(**{"30": {"video_fps": 0.0, "messages_ba_per_s": 0.0}})
    (problem,) = soak.judge(stalled, limits)[0]
    assert problem == ("stall in the interval ending at 1800.0 s: no new video frames, "
                       "messages answerer -> offerer")
    lossy = made_up_samples(**{"60": {"lost": 3, "out_of_order": 1}})
    (problem,) = soak.judge(lossy, limits)[0]
    assert problem == "the reliable channel lost 3 and reordered or repeated 1 messages"
    dropped = made_up_samples(**{"40": {"state": "disconnected/connected"}})
    assert soak.judge(dropped, limits)[0] == ["connection state disconnected/connected at 2400.0 s"]
    assert soak.judge(made_up_samples(3), limits)[0][0].startswith("too few samples to judge")
