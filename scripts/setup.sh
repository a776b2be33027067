#!/usr/bin/env bash
# Idempotent set-up on Debian 12: system packages, a venv in .venv, and the package built
# into it. Run by scripts/demo.sh and scripts/test.sh.
#
# PYTHON (an interpreter, default python3) and VENV (default .venv) choose another
# interpreter; scripts/test.sh --python 3.13 sets both (see tools/build-python.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APT_PACKAGES=(libtgowt-dev lld dpkg-dev ccache cmake ninja-build pkg-config
              python3-dev python3-venv iproute2 nftables procps coturn chromium)
bash "$ROOT/scripts/install-debian-packages.sh" "${APT_PACKAGES[@]}"

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
VENV_PY="$ROOT/$VENV/bin/python"
# What the build and the whole test suite need. A free-threaded interpreter gets what has
# wheels for it: aiortc's cryptography and cffi, and OpenCV, have none, so the tests that need them
# skip there (scripts/test.sh --python 3.13t says which run).
BUILD_DEPENDENCIES=("scikit-build-core>=0.10" "nanobind>=2.4" pyee "pytest>=8"
                    "pytest-asyncio>=0.23" pytest-timeout numpy)
TEST_DEPENDENCIES=("aiortc==1.16.0" playwright pillow av websockets aiohttp opencv-python-headless)
if ! "$VENV_PY" -c "import nanobind, scikit_build_core, pytest_asyncio, pytest_timeout, numpy" 2>/dev/null; then
  echo "==> installing Python build dependencies"
  "$VENV_PY" -m pip install -q --upgrade pip
  "$VENV_PY" -m pip install -q "${BUILD_DEPENDENCIES[@]}"
fi
if ! "$VENV_PY" -c "import sys, sysconfig; sys.exit(bool(sysconfig.get_config_var('Py_GIL_DISABLED')))"; then
  if [ ! -e "$VENV/.test-dependencies-tried" ]; then
    echo "==> installing the Python test dependencies that have free-threaded wheels"
    for dependency in "${TEST_DEPENDENCIES[@]}"; do
      "$VENV_PY" -m pip install -q --only-binary=:all: "$dependency" >/dev/null 2>&1 \
        || echo "    (no wheel of $dependency for this interpreter: the tests that need it skip)"
    done
    touch "$VENV/.test-dependencies-tried"
  fi
elif ! "$VENV_PY" -c "import aiortc, playwright, websockets, aiohttp, cv2, PIL, av" 2>/dev/null; then
  echo "==> installing Python test dependencies"
  "$VENV_PY" -m pip install -q "${TEST_DEPENDENCIES[@]}"
fi

# atheris runs the fuzz targets (tools/fuzz.sh). It has wheels for some interpreters only
# (CPython 3.11 and 3.13, no free-threaded one) and would otherwise be built from source with
# clang: only a wheel is taken. Without it tests/test_fuzz_corpus.py still replays the corpus.
if ! "$VENV_PY" -c "import atheris" 2>/dev/null && [ ! -e "$VENV/.atheris-tried" ]; then
  echo "==> installing atheris (fuzzing)"
  "$VENV_PY" -m pip install -q --only-binary=:all: atheris >/dev/null 2>&1 \
    || echo "    (no wheel of atheris for this interpreter: tools/fuzz.sh cannot run here)"
  touch "$VENV/.atheris-tried"
fi

echo "==> building python-webrtc (incremental: build/ and ccache keep the work)"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/python-webrtc/ccache}"
"$VENV_PY" -m pip install -q --no-build-isolation --no-deps .
