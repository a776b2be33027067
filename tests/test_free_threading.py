"""Free-threaded CPython (3.13t and later): the extension declares that it runs without the
GIL, and with the GIL off many threads receive, convert and send at once
(tests/free_threading_stress.py). Skipped on builds with a GIL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sysconfig.get_config_var("Py_GIL_DISABLED"),
                                reason="needs a free-threaded CPython (3.13t or later)")
HERE = Path(__file__).parent


def run_python(*arguments: str, timeout: float, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    environment.update(env)
    return subprocess.run([sys.executable, *arguments], capture_output=True, text=True,
                          timeout=timeout, env=environment)


def test_importing_webrtc_keeps_the_gil_off():
    # Without PYTHON_GIL=0, CPython turns the GIL back on for a module that does not declare
    # itself safe without it (with a RuntimeWarning, made an error here).
    run = run_python("-W", "error::RuntimeWarning", "-c",
                     "import sys, webrtc, webrtc.aiortc_compat; print(sys._is_gil_enabled())",
                     timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"


@pytest.mark.timeout(200)
def test_threads_receive_convert_and_send_at_once_without_the_gil():
    run = run_python(str(HERE / "free_threading_stress.py"), timeout=180, PYTHON_GIL="0",
                     WEBRTC_ALLOW_LOOPBACK="1")
    assert run.stdout.strip(), run.stderr[-3000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome["gil_enabled"] is False
    assert outcome["errors"] == [], outcome
    assert run.returncode == 0, (outcome, run.stderr[-3000:])
