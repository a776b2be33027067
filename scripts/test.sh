#!/usr/bin/env bash
# Set everything up (idempotent) and run the test suite inside a loopback-only network
# namespace. Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
export WEBRTC_ALLOW_LOOPBACK=1
exec "$ROOT/scripts/netns-run" "$ROOT/.venv/bin/python" -m pytest -p no:cacheprovider "$@"
