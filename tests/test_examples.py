"""The examples and the demo run and print what they promise."""

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ENV = {**os.environ, "WEBRTC_ALLOW_LOOPBACK": "1"}


def run(*args, timeout=60):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, env=ENV)


def test_aiortc_echo_example():
    result = run(str(EXAMPLES / "aiortc_echo.py"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "echo: hello"


def test_w3c_trickle_example():
    result = run(str(EXAMPLES / "w3c_trickle.py"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello there! (connected)"


def test_demo_prints_a_summary(tmp_path):
    png = tmp_path / "frame.png"
    result = run("-m", "webrtc.demo", "--seconds", "0.5", "--pings", "50", "--media-seconds", "2",
                 "--png", str(png))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # Media: live progress, the picture and the tone checked, a frame written.
    assert "fps (dropped" in out
    received, sent = out.split("python-webrtc demo: media from Python tracks")
    for part in (received, sent):
        video = part.split("\n  video ")[-1].splitlines()[0]
        assert "640x480" in video
        # VP8 is lossy: the flat quadrant comes back within a few levels of what was drawn.
        pixel = [int(v) for v in video.split("(pixel [")[1].split("]")[0].split(",")]
        assert all(abs(v - 235) <= 8 for v in pixel), video
        assert "tone 440 Hz" in part
    assert "\nsend " in out  # the live line of the sending part
    from PIL import Image

    with Image.open(png) as image:
        assert image.size == (640, 480) and all(
            abs(v - 235) <= 8 for v in image.getpixel((600, 400)))
    assert "connection setup" in out and "round trips" in out and "bulk transfer" in out
    megabytes = float(out.split("bulk transfer")[1].split("MB")[0])
    assert megabytes > 1


def test_send_media_example():
    result = run(str(EXAMPLES / "aiortc_send_media.py"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "video 320x240, top-left pixel red: True"
    assert lines[1].startswith("audio 48000 Hz") and lines[1].endswith("loud: True")
