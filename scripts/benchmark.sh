#!/usr/bin/env bash
# Set everything up (idempotent) and run the benchmarks against aiortc, in a loopback-only
# network namespace. Extra arguments go to the benchmark script: the data channel benchmark,
# the video receive benchmark when the first argument is `video`, or the video send benchmark
# when it is `send`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCHMARK=bench_datachannel.py
if [ "${1:-}" = video ]; then
  BENCHMARK=bench_video_receive.py
  shift
elif [ "${1:-}" = send ]; then
  BENCHMARK=bench_video_send.py
  shift
fi
bash "$ROOT/scripts/setup.sh"
cd /
exec "$ROOT/scripts/netns-run" "$ROOT/.venv/bin/python" "$ROOT/benchmarks/$BENCHMARK" "$@"
