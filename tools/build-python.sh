#!/usr/bin/env bash
# Build a private CPython from plain upstream source, for testing python-webrtc on
# interpreters that Debian 12 does not ship.
#
# Usage: tools/build-python.sh 3.13     (default build)
#        tools/build-python.sh 3.13t    (free-threaded build, ./configure --disable-gil)
#
# The source is the upstream tarball that Debian ships as the .orig.tar.xz of its
# python3.X source package in a later suite (trixie, forky, sid, experimental). It is
# fetched with a private apt state under the cache, so the system's apt configuration
# is left alone; Debian's patches are not applied. The interpreter is installed into
#   ${PYTHON_WEBRTC_CACHE:-$HOME/.cache/python-webrtc}/python/<version>
# with pip (ensurepip), without PGO/LTO and without the test suite. A second run with
# a working interpreter in place does nothing. The last line on stdout is the path of
# the interpreter; everything else goes to stderr or to the build log.
#
# Environment:
#   PYTHON_WEBRTC_CACHE          cache root (default $HOME/.cache/python-webrtc)
#   DEBIAN_MIRROR                default http://deb.debian.org/debian
#   PYTHON_SOURCE_TARBALL        use this upstream Python-X.Y.Z.tar.* instead of Debian's
#   BUILD_PYTHON_JOBS            make -j value (default: nproc)
#   BUILD_PYTHON_CONFIGURE_ONLY  =1: stop after ./configure and print the build directory
set -euo pipefail

# stdout is reserved for the result line; everything else goes to stderr.
exec 3>&1 1>&2

usage() { echo "usage: $0 3.X | 3.Xt   (e.g. 3.13, 3.13t)"; exit 2; }
[ $# -eq 1 ] || usage
spec="$1"
[[ "$spec" =~ ^3\.[0-9]+t?$ ]] || usage
minor="${spec%t}"
freethreaded=0
[ "$spec" = "$minor" ] || freethreaded=1

CACHE="${PYTHON_WEBRTC_CACHE:-$HOME/.cache/python-webrtc}"
SRC_CACHE="$CACHE/cpython-src"
prefix="$CACHE/python/$spec"
exe="$prefix/bin/python$spec"
work="$CACHE/cpython-build/$spec"
log="$CACHE/python/build-$spec.log"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
jobs="${BUILD_PYTHON_JOBS:-$(nproc 2>/dev/null || echo 2)}"
mkdir -p "$CACHE/python" "$SRC_CACHE"

# One build per version at a time.
exec 9>"$CACHE/python/.$spec.lock"
if command -v flock >/dev/null; then flock 9; fi

# Does the interpreter run, is it the right version and kind, and has it the modules
# python-webrtc's build and tests need?
python_ok() {
  [ -x "$exe" ] || return 1
  "$exe" - "$minor" "$freethreaded" <<'EOF' || return 1
import sys, sysconfig
minor, freethreaded = sys.argv[1], sys.argv[2] == "1"
if "%d.%d" % sys.version_info[:2] != minor:
    sys.exit("wrong version %s" % sys.version)
if bool(sysconfig.get_config_var("Py_GIL_DISABLED")) != freethreaded:
    sys.exit("wrong build kind (Py_GIL_DISABLED)")
import ssl, _ctypes, zlib, _bz2, _lzma, venv, ensurepip  # noqa: F401
for optional in ("_sqlite3", "_uuid", "_decimal"):
    try:
        __import__(optional)
    except ImportError:
        print("warning: %s is missing from %s" % (optional, sys.executable), file=sys.stderr)
EOF
  "$exe" -m pip --version >/dev/null 2>&1
}

if python_ok; then
  echo "$exe" >&3
  exit 0
fi

# Debian packages for the stdlib modules we need: ssl, ctypes (libffi), zlib, bz2, lzma,
# sqlite3, uuid. readline, curses, tkinter and dbm are left out; expat, mimalloc and
# (on Debian 12, which has no libmpdec-dev) libmpdec come bundled with CPython.
APT_PACKAGES=(build-essential pkg-config xz-utils
              libssl-dev libffi-dev zlib1g-dev libbz2-dev liblzma-dev libsqlite3-dev uuid-dev)
bash "$(dirname "${BASH_SOURCE[0]}")/../scripts/install-debian-packages.sh" "${APT_PACKAGES[@]}"

# Find or fetch the source tarball for this minor version.
newest_cached() {
  # newest python3.X_<upstream>.orig.tar.* in the cache, by upstream version
  local f
  f=$(find "$SRC_CACHE" -maxdepth 1 -name "python${minor}_*.orig.tar.*" ! -name '*.asc' -printf '%f\n' \
      | sort -V | tail -n 1)
  [ -n "$f" ] && echo "$SRC_CACHE/$f"
}

fetch_debian_source() {
  local apt_dir="$SRC_CACHE/apt" keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  # deb822; apt picks the format from the .sources suffix
  cat >"$apt_dir/src.sources" <<EOF
Types: deb-src
URIs: $mirror
Suites: trixie forky sid experimental
Components: main
Signed-By: $keyring
EOF
  local opts=(-o "Dir::Etc::SourceList=$apt_dir/src.sources" -o Dir::Etc::SourceParts=/nonexistent
              -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
              -o "APT::Sandbox::User=$(id -un)")
  echo "==> looking up Debian source package python$minor (private apt state in $apt_dir)"
  apt-get "${opts[@]}" -qq update
  # All versions the suites list, newest first, pre-releases (~) last.
  local versions
  versions=$(apt-cache "${opts[@]}" showsrc "python$minor" 2>/dev/null \
             | awk '/^Package: /{p=$2} /^Version: /{if (p == "python'"$minor"'") print $2}' | sort -u)
  if [ -z "$versions" ]; then
    echo "error: no suite in $mirror lists the source package python$minor;"
    echo "       set PYTHON_SOURCE_TARBALL to an upstream Python-$minor.N tarball instead"
    return 1
  fi
  local ordered version
  ordered=$( { grep -v '~' <<<"$versions" | sort -rV; grep '~' <<<"$versions" | sort -rV; } || true)
  # A listed version may still be missing from the mirror's pool: try each in turn.
  for version in $ordered; do
    echo "==> downloading python$minor $version"
    if (cd "$SRC_CACHE" && apt-get "${opts[@]}" -qq source --download-only "python$minor=$version"); then
      return 0
    fi
  done
  echo "error: the mirror refused every listed version of python$minor:" $ordered
  echo "       set PYTHON_SOURCE_TARBALL to an upstream Python-$minor.N tarball instead"
  return 1
}

if [ -n "${PYTHON_SOURCE_TARBALL:-}" ]; then
  tarball="$PYTHON_SOURCE_TARBALL"
else
  tarball=$(newest_cached || true)
  if [ -z "$tarball" ]; then
    fetch_debian_source
    tarball=$(newest_cached || true)
    [ -n "$tarball" ] || { echo "error: download gave no python${minor} orig tarball"; exit 1; }
  fi
fi
[ -f "$tarball" ] || { echo "error: no such file: $tarball"; exit 1; }
echo "==> source: $tarball"

rm -rf "$work"
mkdir -p "$work"
tar -xf "$tarball" -C "$work" --strip-components=1
if ! grep -q "^#define PY_VERSION *\"$minor\." "$work/Include/patchlevel.h"; then
  echo "error: $tarball is not a CPython $minor source tree"; exit 1
fi

configure_flags=(--prefix="$prefix" --with-ensurepip=install --disable-test-modules)
((freethreaded)) && configure_flags+=(--disable-gil)
# Debian 12 has no libmpdec-dev: say so rather than have configure warn and fall back.
pkg-config --exists libmpdec 2>/dev/null || configure_flags+=(--without-system-libmpdec)

: >"$log"
run_logged() {
  echo "==> $* (log: $log)"
  if ! (cd "$work" && "$@") >>"$log" 2>&1; then
    tail -n 40 "$log"
    echo "error: '$*' failed; full log: $log"
    exit 1
  fi
}

run_logged ./configure "${configure_flags[@]}"
if [ "${BUILD_PYTHON_CONFIGURE_ONLY:-0}" = 1 ]; then
  echo "$work" >&3
  exit 0
fi
# The default target builds the interpreter and extension modules; no PGO run, no tests.
run_logged make -j"$jobs"
rm -rf "$prefix"
run_logged make install

if ! python_ok; then
  echo "error: $exe was installed but fails the check above; build log: $log"
  exit 1
fi
rm -rf "$work"
echo "$exe" >&3
