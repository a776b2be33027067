"""The committed stubs of the native module match what nanobind's stubgen makes of the build."""

import subprocess
import sys
from pathlib import Path

import webrtc


def test_native_stubs_are_current(tmp_path):
    committed = Path(webrtc.__file__).with_name("_native.pyi")
    assert committed.exists(), "the package ships _native.pyi"
    generated = tmp_path / "_native.pyi"
    subprocess.run(
        [sys.executable, "-m", "nanobind.stubgen", "-q", "-m", "webrtc._native", "-o", str(generated)],
        check=True,
    )
    assert generated.read_text() == committed.read_text(), "run tools/update-stubs.sh"
    assert committed.with_name("py.typed").exists()
