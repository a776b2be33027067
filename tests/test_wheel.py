"""The wheel from scripts/build-wheel.sh, installed with plain pip into a venv in a plain
Debian 12 root (tools/make-clean-root.sh: debootstrap minbase, python3, python3-venv, and
pyee and numpy from PyPI), runs two peers: a data channel echo and a video round trip.
scripts/test.sh builds both before entering the namespace and names them in
WEBRTC_TEST_WHEEL and WEBRTC_TEST_CLEAN_ROOT."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

WHEEL = os.environ.get("WEBRTC_TEST_WHEEL", "")
ROOT = os.environ.get("WEBRTC_TEST_CLEAN_ROOT", "")
HERE = Path(__file__).parent
# What a manylinux wheel may take from the system (auditwheel's policy for glibc 2.36 allows
# these and a few more: libpthread, libdl and the like, all in glibc).
SYSTEM_LIBRARIES = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1",
                    "ld-linux-x86-64.so.2", "libpthread.so.0", "libdl.so.2", "librt.so.1"}

needs_wheel = pytest.mark.skipif(not WHEEL, reason="no wheel built (WEBRTC_TEST_WHEEL unset)")


def in_root(*command: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a command chrooted into the clean root, with its own /proc and the host's /dev
    mounted in a private mount namespace (gone when the command ends)."""
    script = ('mount --bind /dev "$0/dev" && mount -t proc proc "$0/proc" && '
              'exec chroot "$0" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root "$@"')
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                           script, ROOT, *command],
                          capture_output=True, text=True, timeout=timeout)


@needs_wheel
def test_the_wheel_needs_only_glibc_and_the_cxx_runtime_from_the_system(tmp_path):
    with zipfile.ZipFile(WHEEL) as wheel:
        (name,) = [n for n in wheel.namelist() if "/_native" in n and n.endswith(".so")]
        wheel.extract(name, tmp_path)
        bundled = {Path(n).name for n in wheel.namelist() if ".libs/" in n and ".so" in n}
    # Only Abseil's small libraries are bundled (its Debian archives are not PIC); the rest
    # is linked in, and the system gives glibc and the C++ runtime.
    assert all(n.startswith("libabsl_") for n in bundled), bundled
    dynamic = subprocess.run(["readelf", "-d", str(tmp_path / name)], capture_output=True,
                             text=True, check=True).stdout
    needed = {line.split("[")[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line}
    assert needed - bundled <= SYSTEM_LIBRARIES, needed - bundled - SYSTEM_LIBRARIES
    assert Path(WHEEL).stat().st_size < 22 * 1024 * 1024  # wrtc's wheel is 21.7 MB


@needs_wheel
@pytest.mark.skipif(not ROOT, reason="no clean Debian 12 root (WEBRTC_TEST_CLEAN_ROOT unset)")
@pytest.mark.timeout(300)
def test_the_wheel_runs_two_peers_in_a_plain_debian_root():
    root = Path(ROOT)
    packages = in_root("dpkg-query", "-W", "-f", "${Package}\n").stdout.split()
    assert "python3" in packages and "python3-venv" in packages
    assert not [p for p in packages if p.endswith("-dev") or p in ("gcc", "g++", "cpp") or p.startswith(("gcc-12", "g++-12")) and p != "gcc-12-base"]
    staged = root / "tmp" / Path(WHEEL).name
    shutil.copy(WHEEL, staged)
    shutil.copy(HERE / "wheel_round_trip.py", root / "tmp" / "wheel_round_trip.py")
    try:
        install = in_root("/opt/venv/bin/pip", "install", "-q", "--no-index", "--no-deps",
                          "--force-reinstall", f"/tmp/{staged.name}")
        assert install.returncode == 0, install.stderr
        run = in_root("/opt/venv/bin/python", "/tmp/wheel_round_trip.py", timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
        outcome = json.loads(run.stdout.strip().splitlines()[-1])
        assert outcome["native"].startswith("/opt/venv/lib/")
        assert outcome["echo"] == "ping from the wheel"
        assert outcome["size"] == [320, 240]
    finally:
        in_root("/opt/venv/bin/pip", "uninstall", "-q", "-y", "python-webrtc")
        staged.unlink(missing_ok=True)
        (root / "tmp" / "wheel_round_trip.py").unlink(missing_ok=True)
