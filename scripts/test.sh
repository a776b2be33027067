#!/usr/bin/env bash
# Set everything up (idempotent) and run the test suite inside a loopback-only network
# namespace. Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
# aiortc's example programs, which some tests run, come from its released sdist: fetched
# here (once, into a cache outside the repo), since the tests' namespace has no network.
"$ROOT/.venv/bin/python" tests/aiortc_examples.py >/dev/null \
  || echo "warning: aiortc's sdist could not be fetched; the example tests will be skipped" >&2
export WEBRTC_ALLOW_LOOPBACK=1
exec "$ROOT/scripts/netns-run" "$ROOT/.venv/bin/python" -m pytest -p no:cacheprovider "$@"
