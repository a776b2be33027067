"""Every input of the fuzzing corpus (tests/fuzz_corpus/<target>/) replays through its
target (tools/fuzz/<target>.py --replay) without a finding: it works or is refused as the
API documents, nothing hangs, and no native object is left behind. One subprocess per
target, so that a crash fails the test rather than the run. atheris is not needed.
tools/fuzz.sh runs the same targets under atheris."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools" / "fuzz"
CORPUS = Path(__file__).with_name("fuzz_corpus")
TARGETS = sorted(path.stem for path in TOOLS.glob("[a-z]*.py") if path.stem != "make_corpus")
# What a target needs beyond the package itself.
NEEDS = {"frames": ("av", "numpy"), "data_channel": ("numpy",)}


def test_every_target_has_a_corpus():
    assert TARGETS and sorted(path.name for path in CORPUS.iterdir() if path.is_dir()) == TARGETS


@pytest.mark.parametrize("target", TARGETS)
def test_corpus_replays_without_findings(target):
    missing = [name for name in NEEDS.get(target, ()) if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"the {target} target needs {', '.join(missing)}")
    inputs = [path for path in (CORPUS / target).iterdir() if path.is_file()]
    result = subprocess.run(
        [sys.executable, "-X", "faulthandler", str(TOOLS / f"{target}.py"), "--replay",
         str(CORPUS / target)],
        capture_output=True, text=True, timeout=120, env=os.environ,
    )
    failures = [line for line in result.stderr.splitlines() if line.startswith("FAILED")]
    assert result.returncode == 0, f"exit {result.returncode}, {failures}:\n{result.stderr[-4000:]}"
    assert f"replayed {len(inputs)} inputs, 0 failed" in result.stdout
