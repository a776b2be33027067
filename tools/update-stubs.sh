#!/bin/sh
# Regenerate the committed type stubs of the native module (src/webrtc/_native.pyi) with
# nanobind's stubgen. tests/test_stubs.py fails when they are out of date.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/.venv/bin/python" -m nanobind.stubgen -q -m webrtc._native -o "$root/src/webrtc/_native.pyi"
touch "$root/src/webrtc/py.typed"
