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


def test_demo_prints_a_summary():
    result = run("-m", "webrtc.demo", "--seconds", "0.5", "--pings", "50")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "connection setup" in out and "round trips" in out and "bulk transfer" in out
    megabytes = float(out.split("bulk transfer")[1].split("MB")[0])
    assert megabytes > 1
