"""Mutated SDP never crashes the process: every input is applied or refused with one of the
documented exceptions (fixed seeds; tests/sdp_mutator.py runs in a subprocess)."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

MUTATOR = Path(__file__).with_name("sdp_mutator.py")


@pytest.mark.parametrize("mode,seed", [("remote", 1), ("remote", 3), ("local", 2), ("local", 5)])
def test_mutated_sdp_never_crashes(mode, seed):
    result = subprocess.run(
        [sys.executable, str(MUTATOR), mode, str(seed), "120"],
        capture_output=True, text=True, timeout=300, env=os.environ,
    )
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-2000:]}"
    outcomes = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    unexpected = [outcome for outcome in outcomes if outcome.startswith("unexpected")]
    assert unexpected == [], "refused with an undocumented exception"
    assert outcomes.get("ok", 0) > 0 and outcomes.get("ValueError", 0) > 0
    assert sum(outcomes.values()) >= 120
