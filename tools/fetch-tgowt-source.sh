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
mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial" "$cache/src"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
{
  echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main"
  echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm-updates main"
  echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main"
} > "$cache/apt/sources.list"
opts="-o Dir::Etc::SourceList=$cache/apt/sources.list -o Dir::Etc::SourceParts=/nonexistent \
  -o Dir::State::Lists=$cache/apt/lists -o Dir::Cache=$cache/apt/cache -o APT::Sandbox::User=root -qq"
# shellcheck disable=SC2086
apt-get $opts update >&2
rm -rf "$dir"
# shellcheck disable=SC2086
(cd "$cache/src" && apt-get $opts source "libtgowt=$version" >&2)
touch "$stamp"
echo "$dir"
