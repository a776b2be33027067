#!/usr/bin/env bash
# Set everything up (idempotent) and run the demo: two peers over loopback, inside a
# loopback-only network namespace. Extra arguments go to the demo.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd /
export WEBRTC_ALLOW_LOOPBACK=1
exec "$ROOT/scripts/netns-run" "$ROOT/.venv/bin/python" -m webrtc.demo "$@"
