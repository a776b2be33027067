# Sourced by scripts/test.sh and scripts/build-wheel.sh: choose_interpreter VERSION|PATH sets
# PYTHON and VENV for scripts/setup.sh, and OTHER_INTERPRETER=1 unless it is Debian's
# python3. VERSION is built into the cache by tools/build-python.sh (3.13, 3.13t); PATH is
# any CPython 3.11 or later you have (its venv is .venv-X.Y, with "t" when free-threaded).
choose_interpreter() {
  local system_version wanted
  system_version="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  OTHER_INTERPRETER=""
  if [ -z "$1" ] || [ "$1" = "$system_version" ]; then
    return 0
  fi
  if [ -x "$1" ] && [ ! -d "$1" ]; then
    PYTHON="$1"
  else
    PYTHON="$(bash "$ROOT/tools/build-python.sh" "$1" | tail -n 1)"
  fi
  wanted="$("$PYTHON" -c 'import sys, sysconfig; print("%d.%d" % sys.version_info[:2] + ("t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""))')"
  OTHER_INTERPRETER=1
  export PYTHON VENV=".venv-$wanted"
}
