#!/usr/bin/env bash
# Set everything up (idempotent) and run the demo inside a loopback-only network namespace:
# aiortc sends video and audio that the native engine receives (a received frame goes to
# demo-frame.png), then two of our peers use a data channel. Extra arguments go to the demo.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd /
export WEBRTC_ALLOW_LOOPBACK=1
exec "$ROOT/scripts/netns-run" "$ROOT/.venv/bin/python" -m webrtc.demo --png "$ROOT/demo-frame.png" "$@"
