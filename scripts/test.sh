#!/usr/bin/env bash
# Set everything up (idempotent) and run the test suite inside a loopback-only network
# namespace. Extra arguments go to pytest.
#
#   bash scripts/test.sh [--python VERSION] [pytest arguments]
#
# VERSION is 3.11 (Debian 12's python3, the default, in .venv), one that
# tools/build-python.sh builds into the cache (3.13, 3.13t), or the path of another CPython
# (scripts/interpreter.sh); each has its own venv, .venv-VERSION. Another
# interpreter runs the smoke tests (WEBRTC_SMOKE=1: SMOKE_TESTS in tests/conftest.py), the
# default one the whole suite, with the wheel (scripts/build-wheel.sh) tested in a plain
# Debian 12 root (tools/make-clean-root.sh) by tests/test_wheel.py; WEBRTC_TEST_WHEEL=none
# leaves that out.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

version=""
if [ "${1:-}" = --python ]; then
  [ $# -ge 2 ] || { echo "usage: $0 [--python VERSION] [pytest arguments]" >&2; exit 2; }
  version="$2"
  shift 2
fi
source "$ROOT/scripts/interpreter.sh"
choose_interpreter "$version"
if [ -n "$OTHER_INTERPRETER" ]; then
  export WEBRTC_SMOKE="${WEBRTC_SMOKE:-1}"
fi
VENV="${VENV:-.venv}"
bash "$ROOT/scripts/setup.sh"
export WEBRTC_SETUP_DONE=1
if [ -z "$OTHER_INTERPRETER" ]; then
  if [ -z "${WEBRTC_TEST_WHEEL:-}" ]; then
    WEBRTC_TEST_WHEEL="$(bash "$ROOT/scripts/build-wheel.sh" | tail -n 1)"
  fi
  if [ "$WEBRTC_TEST_WHEEL" = none ]; then
    WEBRTC_TEST_WHEEL=""
  elif [ -z "${WEBRTC_TEST_CLEAN_ROOT:-}" ]; then
    WEBRTC_TEST_CLEAN_ROOT="$(bash "$ROOT/tools/make-clean-root.sh" "$HOME/.cache/python-webrtc" "$ROOT/$VENV/bin/python")" \
      || { WEBRTC_TEST_CLEAN_ROOT=""
           echo "warning: no plain Debian 12 root could be made; the wheel's root test will be skipped" >&2; }
  fi
  export WEBRTC_TEST_WHEEL WEBRTC_TEST_CLEAN_ROOT
fi
VENV_PY="$ROOT/$VENV/bin/python"
# aiortc's example programs, which some tests run, come from its released sdist: fetched
# here (once, into a cache outside the repo), since the tests' namespace has no network.
"$VENV_PY" tests/aiortc_examples.py >/dev/null \
  || echo "warning: aiortc's sdist could not be fetched; the example tests will be skipped" >&2
export WEBRTC_ALLOW_LOOPBACK=1
exec "$ROOT/scripts/netns-run" "$VENV_PY" -m pytest -p no:cacheprovider "$@"
