# Sourced by tools/fetch-tgowt-source.sh and tools/build-static-deps.sh.
# bookworm_sources CACHE_DIR: a private apt state for Debian 12's source packages under
# CACHE_DIR/apt, leaving the system's apt configuration alone; sets $opts, the apt-get
# options that use it.
bookworm_sources() {
  mkdir -p "$1/apt/lists/partial" "$1/apt/cache/archives/partial" "$1/src"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  {
    echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main"
    echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm-updates main"
    echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main"
  } > "$1/apt/sources.list"
  opts="-o Dir::Etc::SourceList=$1/apt/sources.list -o Dir::Etc::SourceParts=/nonexistent \
  -o Dir::State::Lists=$1/apt/lists -o Dir::Cache=$1/apt/cache -o APT::Sandbox::User=root -qq"
}
