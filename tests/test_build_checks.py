"""The build stops with a plain message naming the Debian packages that are missing."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "overrides,packages",
    [
        (["-DTGOWT_CONFIG_FILE=/nonexistent/tg_owtConfig.cmake"], "libtgowt-dev"),
        (["-DLLD_PROGRAM=/nonexistent/ld.lld"], "lld"),
        (
            ["-DTGOWT_CONFIG_FILE=/nonexistent/x.cmake", "-DLLD_PROGRAM=/nonexistent/ld.lld",
             "-DDPKG_SOURCE_PROGRAM=/nonexistent/dpkg-source"],
            "libtgowt-dev lld dpkg-dev",
        ),
    ],
)
def test_missing_debian_packages_are_named(tmp_path, overrides, packages):
    cmake = shutil.which("cmake")
    assert cmake, "cmake is installed by scripts/setup.sh"
    result = subprocess.run(
        [cmake, "-S", str(ROOT), "-B", str(tmp_path / "build"), *overrides],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert f"python-webrtc needs these Debian packages: {packages}" in result.stderr
    assert f"apt-get install {packages}" in result.stderr
