"""tools/soak_connections.py in full: 200 connections at once, each with an open data channel
and echo traffic, set up and torn down in 5 rounds after a warm-up (1,000 connection cycles);
descriptors and threads stay at the warm-up's, RSS within 40 MiB of it, and no native object
is left."""

from __future__ import annotations

import json
import os
import subprocess
import sys

TOOL = os.path.join(os.path.dirname(__file__), "..", "tools", "soak_connections.py")


def test_200_connections_for_1000_cycles_leave_nothing_behind():
    result = subprocess.run([sys.executable, TOOL], capture_output=True, text=True, timeout=300)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.returncode == 0, result.stdout + result.stderr
    rounds = [line for line in lines if "round" in line]
    assert len(rounds) == 6
    summary = lines[-1]
    assert summary["cycles"] == 1000 and summary["problems"] == []
