#!/usr/bin/env bash
# The extension built with AddressSanitizer and UndefinedBehaviorSanitizer (our code and the
# libwebrtc members we recompile; libtg_owt.a as Debian built it), then tests run under it
# with leak detection on.
#
#   bash tools/sanitize.sh [pytest arguments]   (default: the tests listed below)
#
# The build goes to build/asan and its package to build/asan-site, which goes first on
# PYTHONPATH; the main venv's interpreter and packages are used otherwise. Python itself is
# not instrumented, so libasan is preloaded. Leak reports name only malloc'd memory: Python
# objects live in pymalloc's arenas, which LeakSanitizer does not scan as allocations.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh >/dev/null

VENV_PY="$ROOT/.venv/bin/python"
SITE="$ROOT/build/asan-site"
# vptr checks need RTTI on both sides of a call, and the archive has none.
FLAGS="-fsanitize=address,undefined -fno-sanitize=vptr -fno-omit-frame-pointer -g1"
echo "==> building the sanitized extension (build/asan)"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/python-webrtc/ccache}"
"$VENV_PY" -m pip install -q --no-build-isolation --no-deps --upgrade --target "$SITE" \
  -C build-dir=build/asan -C install.strip=false \
  -C "cmake.define.CMAKE_CXX_FLAGS=$FLAGS" \
  -C "cmake.define.CMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined" \
  -C cmake.define.WEBRTC_KEEP_SYMBOLS=ON . >/dev/null
rm -rf "$SITE/bin"  # pip's console scripts for pyee and friends are not needed

if [ "$#" -eq 0 ]; then
  # Everything that runs our native code against our own peers and aiortc. Left out: the
  # Chromium tests (libasan would be preloaded into the browser too) and the RSS bounds of
  # test_connection_leaks.py, which ASan's quarantine of freed memory breaks, and the
  # tests that run ip, nft or coturn (the preloaded libasan reports their leaks as ours).
  set -- tests/test_rtcdatachannel.py tests/test_rtcpeerconnection.py tests/test_bad_input.py \
    tests/test_engine_lifetime.py tests/test_video_frame.py tests/test_send_api.py \
    tests/test_interop_aiortc.py tests/test_hostile_peer.py tests/test_fuzz_corpus.py \
    -q -p no:cacheprovider
fi

echo "==> running under ASan + UBSan: $*"
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
# detect_leaks at exit, a failure on the first UB report, and suppressions with reasons.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_odr_violation=0:exitcode=86"
export LSAN_OPTIONS="suppressions=$ROOT/tools/sanitize/lsan.supp:print_suppressions=0"
# UBSan reports and continues (halt_on_error=1 ended the process silently in libwebrtc's
# threads); a report anywhere in the output fails the run below.
export UBSAN_OPTIONS="halt_on_error=0:print_stacktrace=1:suppressions=$ROOT/tools/sanitize/ubsan.supp"
export WEBRTC_ALLOW_LOOPBACK=1
LOG="$ROOT/build/asan/last-run.log"
# Preloaded into Python only, not into the namespace's ip and sh.
status=0
"$ROOT/scripts/netns-run" env LD_PRELOAD="$PRELOAD" "$VENV_PY" -m pytest "$@" 2>&1 | tee "$LOG" \
  || status=$?
if grep -q "runtime error:" "$LOG"; then
  echo "sanitize.sh: UndefinedBehaviorSanitizer reported errors (see $LOG)" >&2
  status=1
fi
exit "$status"
