#!/bin/sh
# Make (once, in the cache) a plain Debian 12 root for testing wheels: debootstrap's minbase
# plus only the runtime packages the README names (python3, python3-venv), and a venv at
# /opt/venv holding the wheel's PyPI dependencies (pyee, and numpy for the test's frames).
# No -dev package, no compiler. Prints the root's path.
# Usage: make-clean-root.sh CACHE_DIR [PYTHON_WITH_PIP]   (default python3)
set -eu
cache="$1"
pip_python="${2:-python3}"
root="$cache/clean-root/bookworm"
ready="$root/.python-webrtc-ready"
if [ -f "$ready" ]; then echo "$root"; exit 0; fi
bash "$(dirname "$0")/../scripts/install-debian-packages.sh" debootstrap >&2
base="$root/.python-webrtc-base"
if [ ! -f "$base" ]; then
  rm -rf "$root"
  mkdir -p "$root"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$cache/clean-root/debootstrap.log" 2>&1 || {
    tail -n 20 "$cache/clean-root/debootstrap.log" >&2; exit 1; }
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-venv && apt-get clean && rm -rf /var/lib/apt/lists/*' \
    >>"$cache/clean-root/debootstrap.log" 2>&1
  touch "$base"
fi
# The PyPI packages come through the host's pip (its index and certificates), as wheels
# for the root's Python 3.11, and are installed in the root from those files.
rm -rf "$root/opt/venv" "$root/opt/wheelhouse"
"$pip_python" -m pip download -q --only-binary=:all: --python-version 3.11 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
  -d "$root/opt/wheelhouse" pyee numpy >>"$cache/clean-root/debootstrap.log" 2>&1 || {
  tail -n 5 "$cache/clean-root/debootstrap.log" >&2; exit 1; }
chroot "$root" python3 -m venv /opt/venv
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin /opt/venv/bin/pip install -q --no-index \
  --find-links /opt/wheelhouse pyee numpy >>"$cache/clean-root/debootstrap.log" 2>&1 || {
  tail -n 5 "$cache/clean-root/debootstrap.log" >&2; exit 1; }
touch "$ready"
echo "$root"
