#!/bin/sh
# Build, as static PIC archives for wheels, the libraries whose Debian archives can't go into
# a shared object as they are: FFmpeg (Debian's libavcodec brings about a hundred libraries;
# we need only its H.264, VP8 and VP9 decoders and libavutil), Opus (Debian's libopus.a is
# built as PIE) and libsrtp2 (Debian's uses NSS, which has no static library: ours uses
# OpenSSL, which libwebrtc links already). Each from the upstream source of the installed -dev package's
# version (Debian's orig tarball, fetched without touching the system's apt configuration).
# Prints the install prefix (include/ and lib/ with libavcodec.a, libavutil.a, libopus.a,
# libsrtp2.a).
# Usage: build-static-deps.sh CACHE_DIR
set -eu
cache="$1"

installed_version() {
  dpkg-query -W -f='${Version}' "$1" 2>/dev/null || {
    echo "$1 is not installed: apt-get install $1" >&2; exit 1; }
}
upstream() { version=${1%-*}; echo "${version#*:}"; }
ffmpeg_debian=$(installed_version libavcodec-dev)
opus_debian=$(installed_version libopus-dev)
srtp_debian=$(installed_version libsrtp2-dev)
ffmpeg_version=$(upstream "$ffmpeg_debian")
opus_version=$(upstream "$opus_debian")
srtp_version=$(upstream "$srtp_debian")
prefix="$cache/static-deps/ffmpeg-$ffmpeg_version-opus-$opus_version-srtp-$srtp_version"
if [ -f "$prefix/lib/libavcodec.a" ] && [ -f "$prefix/lib/libavutil.a" ] &&
   [ -f "$prefix/lib/libopus.a" ] && [ -f "$prefix/lib/libsrtp2.a" ]; then
  echo "$prefix"; exit 0
fi
command -v nasm >/dev/null || { echo "nasm is missing: apt-get install nasm" >&2; exit 1; }

. "$(dirname "$0")/bookworm-sources.sh"
bookworm_sources "$cache"
updated=0
unpack() {  # unpack SOURCE_PACKAGE UPSTREAM_VERSION DIR DEBIAN_VERSION: the orig tarball, into DIR
  tarball=$(ls "$cache"/src/"$1"_"$2".orig.tar.* 2>/dev/null | head -n 1 || true)
  if [ -z "$tarball" ]; then
    if [ "$updated" = 0 ]; then
      # shellcheck disable=SC2086
      apt-get $opts update >&2
      updated=1
    fi
    # shellcheck disable=SC2086
    (cd "$cache/src" && apt-get $opts source --download-only "$1=$4" >&2)
    tarball=$(ls "$cache"/src/"$1"_"$2".orig.tar.* | head -n 1)
  fi
  rm -rf "$3"
  mkdir -p "$3"
  tar -xf "$tarball" -C "$3" --strip-components=1
}
run_logged() {  # run_logged LOG COMMAND...: quiet unless it fails
  log=$1
  shift
  "$@" >>"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }
}

work="$cache/static-deps/build"
unpack ffmpeg "$ffmpeg_version" "$work/ffmpeg" "$ffmpeg_debian"
cd "$work/ffmpeg"
# The decoders only: no programs, no external libraries, no other FFmpeg library.
run_logged "$work/ffmpeg.log" ./configure --prefix="$prefix" --enable-pic --enable-static \
  --disable-shared --disable-programs --disable-doc --disable-debug --disable-autodetect \
  --disable-everything --disable-network --disable-avformat --disable-avdevice \
  --disable-avfilter --disable-swscale --disable-swresample --disable-postproc \
  --enable-pthreads --enable-decoder=h264,vp8,vp9
run_logged "$work/ffmpeg.log" make -j"$(nproc)"
run_logged "$work/ffmpeg.log" make install

unpack opus "$opus_version" "$work/opus" "$opus_debian"
cd "$work/opus"
run_logged "$work/opus.log" ./configure --prefix="$prefix" --with-pic --enable-static \
  --disable-shared --disable-doc --disable-extra-programs
run_logged "$work/opus.log" make -j"$(nproc)"
run_logged "$work/opus.log" make install

unpack libsrtp2 "$srtp_version" "$work/srtp" "$srtp_debian"
cd "$work/srtp"
run_logged "$work/srtp.log" env CFLAGS="-O2 -fPIC" ./configure --prefix="$prefix" --enable-openssl
run_logged "$work/srtp.log" make -j"$(nproc)" libsrtp2.a
run_logged "$work/srtp.log" make install

cd /
rm -rf "$work"
echo "$prefix"
