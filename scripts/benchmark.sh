#!/usr/bin/env bash
# Set everything up (idempotent) and run the benchmarks against aiortc, in a loopback-only
# network namespace. Extra arguments go to the benchmark script.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd /
exec "$ROOT/scripts/netns-run" "$ROOT/.venv/bin/python" "$ROOT/benchmarks/bench_datachannel.py" "$@"
