#!/usr/bin/env bash
# The extension built with sanitizers (our code and the libwebrtc members we recompile;
# libtg_owt.a as Debian built it), then tests run under it.
#
#   bash tools/sanitize.sh [pytest arguments]           AddressSanitizer + UBSan, leaks on
#   bash tools/sanitize.sh --thread [pytest arguments]  ThreadSanitizer
#
# Without pytest arguments each mode runs its own list of tests (below). The build goes to
# build/<asan|tsan> and its package to build/<asan|tsan>-site, which goes first on
# PYTHONPATH; the main venv's interpreter and packages are used otherwise. Python itself is
# not instrumented, so the sanitizer's runtime is preloaded (into Python only, not into the
# namespace's ip and sh).
#
# AddressSanitizer: leak reports name only malloc'd memory (Python objects live in
# pymalloc's arenas, which LeakSanitizer does not scan as allocations).
# ThreadSanitizer: it sees the accesses of our code and the recompiled members, and every
# lock, condition variable and thread of the process through its interceptors (libwebrtc's
# Mutex and Event are pthread's), but not the plain accesses inside libtg_owt.a, CPython or
# FFmpeg: races between two of those are out of its sight.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh >/dev/null

mode=address
RUN_PREFIX=()
if [ "${1:-}" = --thread ]; then
  mode=thread
  shift
fi
VENV_PY="$ROOT/.venv/bin/python"
SUPP="$ROOT/tools/sanitize"
name=$([ "$mode" = address ] && echo asan || echo tsan)
# Reports go to files: pytest captures file descriptor 2 during each test and shows it only
# for tests that fail, so a report printed there by a passing test would never be seen.
REPORTS="$ROOT/build/$name/reports"
rm -rf "$REPORTS"
mkdir -p "$REPORTS"
if [ "$mode" = address ]; then
  # vptr checks need RTTI on both sides of a call, and the archive has none.
  FLAGS="-fsanitize=address,undefined -fno-sanitize=vptr -fno-omit-frame-pointer -g1"
  LINK_FLAGS="-fsanitize=address,undefined"
  PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
  # Everything that runs our native code against our own peers and aiortc. Left out: the
  # Chromium tests (libasan would be preloaded into the browser too) and the RSS bounds of
  # test_connection_leaks.py, which ASan's quarantine of freed memory breaks, and the
  # tests that run ip, nft or coturn (the preloaded libasan reports their leaks as ours).
  DEFAULT_TESTS=(tests/test_rtcdatachannel.py tests/test_rtcpeerconnection.py
    tests/test_bad_input.py tests/test_engine_lifetime.py tests/test_video_frame.py
    tests/test_send_api.py tests/test_interop_aiortc.py tests/test_hostile_peer.py
    tests/test_fuzz_corpus.py)
  # detect_leaks at exit, a failure on the first ASan report, and suppressions with reasons.
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_odr_violation=0:exitcode=86:log_path=$REPORTS/asan"
  export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp:print_suppressions=0"
  # UBSan reports and continues (halt_on_error=1 ended the process silently in libwebrtc's
  # threads); any report fails the run below.
  export UBSAN_OPTIONS="halt_on_error=0:print_stacktrace=1:suppressions=$SUPP/ubsan.supp:log_path=$REPORTS/ubsan"
else
  FLAGS="-fsanitize=thread -fno-omit-frame-pointer -g1"
  LINK_FLAGS="-fsanitize=thread"
  PRELOAD="$(gcc -print-file-name=libtsan.so)"
  # Where our threads meet: the event queue and its eventfd (data channel messages and
  # states), the send queue and its flush, the remote tracks' frame queues, the audio and
  # video sources fed from Python, the engine's start and stop.
  # test_bursts_overflow_no_socket_buffer is a speed property: instrumented, the receiver is
  # several times slower and the kernel drops what its socket buffer cannot hold.
  DEFAULT_TESTS=(tests/test_rtcdatachannel.py tests/test_send_api.py tests/test_video_frame.py
    tests/test_engine_lifetime.py tests/test_media_aiortc.py tests/test_send_aiortc.py
    -k "not test_bursts_overflow_no_socket_buffer")
  # Every report is printed and the run goes on; any report fails it below.
  # Without address randomization: with it, gcc 12's TSan runtime now and then places a
  # mapping where its shadow memory cannot go ("failed to allocate ... bytes").
  RUN_PREFIX=(setarch "$(uname -m)" --addr-no-randomize)
  export TSAN_OPTIONS="halt_on_error=0:report_signal_unsafe=0:second_deadlock_stack=1:suppressions=$SUPP/tsan.supp:exitcode=0:log_path=$REPORTS/tsan"
fi
[ "$#" -gt 0 ] || set -- "${DEFAULT_TESTS[@]}" -q -p no:cacheprovider

SITE="$ROOT/build/$name-site"
echo "==> building the $mode-sanitized extension (build/$name)"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/python-webrtc/ccache}"
"$VENV_PY" -m pip install -q --no-build-isolation --no-deps --upgrade --target "$SITE" \
  -C "build-dir=build/$name" -C install.strip=false \
  -C "cmake.define.CMAKE_CXX_FLAGS=$FLAGS" \
  -C "cmake.define.CMAKE_SHARED_LINKER_FLAGS=$LINK_FLAGS" \
  -C cmake.define.WEBRTC_KEEP_SYMBOLS=ON . >/dev/null
rm -rf "$SITE/bin"  # pip's console scripts for pyee and friends are not needed

echo "==> running under the $mode sanitizer: $*"
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
export WEBRTC_ALLOW_LOOPBACK=1
LOG="$ROOT/build/$name/last-run.log"
status=0
"$ROOT/scripts/netns-run" "${RUN_PREFIX[@]}" env LD_PRELOAD="$PRELOAD" "$VENV_PY" -m pytest "$@" \
  2>&1 | tee "$LOG" \
  || status=$?
reports=("$REPORTS"/*)
if [ -e "${reports[0]}" ]; then
  for report in "${reports[@]}"; do
    echo "==> $report" >&2
    head -c 20000 "$report" >&2
  done
  echo "sanitize.sh: the $mode sanitizer reported errors (${#reports[@]} files in $REPORTS)" >&2
  status=1
fi
exit "$status"
