#!/bin/sh
# Fetch Debian's source package of the installed libtgowt-dev into a cache directory,
# without touching the system's apt configuration. Prints the unpacked source directory.
# Usage: fetch-tgowt-source.sh CACHE_DIR
set -eu
cache="$1"
version=$(dpkg-query -W -f='${Version}' libtgowt-dev 2>/dev/null) || {
  echo "libtgowt-dev is not installed: apt-get install libtgowt-dev" >&2; exit 1; }
upstream=${version%-*}
upstream=${upstream#*:}
dir="$cache/src/libtgowt-$upstream"
stamp="$cache/src/.fetched-$version"
if [ -f "$stamp" ] && [ -d "$dir" ]; then echo "$dir"; exit 0; fi
command -v dpkg-source >/dev/null || { echo "dpkg-dev is missing: apt-get install dpkg-dev" >&2; exit 1; }
. "$(dirname "$0")/bookworm-sources.sh"
bookworm_sources "$cache"
# shellcheck disable=SC2086
apt-get $opts update >&2
rm -rf "$dir"
# shellcheck disable=SC2086
(cd "$cache/src" && apt-get $opts source "libtgowt=$version" >&2)
touch "$stamp"
echo "$dir"
