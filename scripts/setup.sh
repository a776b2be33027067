#!/usr/bin/env bash
# Idempotent set-up on Debian 12: system packages, a venv in .venv, and the package built
# into it. Sourced by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APT_PACKAGES=(libtgowt-dev lld dpkg-dev ccache cmake ninja-build pkg-config
              python3-dev python3-venv iproute2 procps coturn chromium)
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "==> installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
VENV_PY="$ROOT/.venv/bin/python"
if ! "$VENV_PY" -c "import nanobind, scikit_build_core, pytest_asyncio, aiortc, pytest_timeout, playwright, websockets, aiohttp, cv2" 2>/dev/null; then
  echo "==> installing Python build and test dependencies"
  "$VENV_PY" -m pip install -q --upgrade pip
  "$VENV_PY" -m pip install -q "scikit-build-core>=0.10" "nanobind>=2.4" pyee \
    "pytest>=8" "pytest-asyncio>=0.23" pytest-timeout "aiortc==1.16.0" playwright numpy pillow av \
    websockets aiohttp opencv-python-headless
fi

echo "==> building python-webrtc (incremental: build/ and ccache keep the work)"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/python-webrtc/ccache}"
"$VENV_PY" -m pip install -q --no-build-isolation --no-deps .
