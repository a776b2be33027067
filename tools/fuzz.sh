#!/usr/bin/env bash
# Fuzz each target in tools/fuzz for a bounded time, inside a loopback-only network
# namespace, and print how many inputs each ran and what it found.
#
#   tools/fuzz.sh [--merge] [SECONDS-PER-TARGET] [TARGET...]
#
# SECONDS defaults to 60; TARGETs default to all (remote_sdp sdp_parse ice_candidate
# data_channel frames). The repository's corpus (tests/fuzz_corpus/<target>) seeds each run
# and is only read: new inputs go to ~/.cache/python-webrtc/fuzz/<target>, a finding's input
# to ~/.cache/python-webrtc/fuzz/artifacts/<target>/, the output to .../logs/<target>.log.
# --merge then adds what the runs found (minimized by libFuzzer) to the repository's corpus.
# Needs atheris in the venv (scripts/setup.sh installs it where it has a wheel); PYTHON picks
# another interpreter. Exits 1 if any target found something.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
CACHE="${WEBRTC_FUZZ_CACHE:-$HOME/.cache/python-webrtc/fuzz}"
ALL_TARGETS=(remote_sdp sdp_parse ice_candidate data_channel frames)
# Per input (a hang is a finding well before this), memory, and input size (SDP seeds are
# several KB).
TIMEOUT_PER_INPUT=30
RSS_LIMIT_MB=3072
MAX_LEN=20000

merge=0
if [ "${1:-}" = --merge ]; then
  merge=1
  shift
fi
seconds=60
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds="$1"
  shift
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for target in "${targets[@]}"; do
  [ -f "$ROOT/tools/fuzz/$target.py" ] || { echo "no such target: $target (have: ${ALL_TARGETS[*]})" >&2; exit 2; }
done
"$PYTHON" -c "import atheris" 2>/dev/null \
  || { echo "atheris is not installed for $PYTHON (scripts/setup.sh installs it)" >&2; exit 2; }

mkdir -p "$CACHE/logs"
status=0
printf '%-14s %10s %8s  %s\n' target runs seconds result
for target in "${targets[@]}"; do
  corpus="$CACHE/$target"
  artifacts="$CACHE/artifacts/$target/"
  log="$CACHE/logs/$target.log"
  mkdir -p "$corpus" "$artifacts"
  # libFuzzer writes new inputs to the first corpus directory only. `timeout` is the backstop
  # for a process that cannot stop itself (a hang in native code).
  set +e
  WEBRTC_ALLOW_LOOPBACK=1 timeout --kill-after=10 $((seconds + 120)) \
    "$ROOT/scripts/netns-run" "$PYTHON" "$ROOT/tools/fuzz/$target.py" \
    -max_total_time="$seconds" -timeout="$TIMEOUT_PER_INPUT" -rss_limit_mb="$RSS_LIMIT_MB" \
    -max_len="$MAX_LEN" -artifact_prefix="$artifacts" -print_final_stats=1 \
    "$corpus" "$ROOT/tests/fuzz_corpus/$target" >"$log" 2>&1
  code=$?
  set -e
  # libFuzzer's last words: "Done N runs in S second(s)", or on a finding the input's file.
  done_line="$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)"
  runs="$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+).*/\1/' <<<"$done_line")"
  took="$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+).*/\2/' <<<"$done_line")"
  if [ "$code" -eq 0 ] && [ -n "$done_line" ]; then
    result="ok"
  else
    status=1
    runs="$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#' || true)"
    took="-"
    artifact="$(grep -oE "Test unit written to [^ ]+" "$log" | tail -n 1 | sed 's/Test unit written to //' || true)"
    reason="$(grep -E '^(Finding|[A-Za-z_.]*Error|==[0-9]+== ERROR)' "$log" | head -n 1 || true)"
    result="FOUND (exit $code): ${reason:-see $log}${artifact:+; input $artifact}"
  fi
  printf '%-14s %10s %8s  %s\n' "$target" "${runs:-0}" "${took:--}" "$result"
  if [ "$merge" -eq 1 ]; then
    WEBRTC_ALLOW_LOOPBACK=1 timeout 600 "$ROOT/scripts/netns-run" "$PYTHON" \
      "$ROOT/tools/fuzz/$target.py" -merge=1 -timeout="$TIMEOUT_PER_INPUT" \
      -rss_limit_mb="$RSS_LIMIT_MB" -max_len="$MAX_LEN" \
      "$ROOT/tests/fuzz_corpus/$target" "$corpus" >>"$log" 2>&1 \
      || echo "  merging into tests/fuzz_corpus/$target failed (see $log)" >&2
  fi
done
echo "logs: $CACHE/logs"
exit "$status"
