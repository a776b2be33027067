"""What every fuzz target in tools/fuzz shares: one event loop per process and a deadline on
every awaited step, the rule that tells a refusal from a finding, a watch on the resources a
target could leak, and the entry point.

    python tools/fuzz/<target>.py [libFuzzer flags] [corpus dirs...]   # fuzz (needs atheris)
    python tools/fuzz/<target>.py --replay FILE_OR_DIR...              # run inputs once

A target defines ``TestOneInput(data: bytes)``: each input either works or is refused with
an exception the API documents; anything else raises :class:`Finding` (or escapes), which
atheris reports as a crash and writes the input as an artifact. Replaying needs no atheris
(tests/test_fuzz_corpus.py replays the corpus with it or without it).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import shlex
import socket
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Awaitable, Callable

try:
    import atheris
except ImportError:  # no wheel for this interpreter: replay only
    atheris = None

# Deadline of one awaited API call or of one wait for the other peer; a hang is a finding.
STEP_TIMEOUT = 10.0
REPLAY_FLAG = "--replay"


class Finding(Exception):
    """An outcome no documented behaviour allows (an undocumented exception, a wrong result,
    a hang, a leak)."""


def fuzzing() -> bool:
    """True when this process runs under atheris (not a replay)."""
    return atheris is not None and REPLAY_FLAG not in sys.argv[1:]


def instrumented(target_file: str) -> contextlib.AbstractContextManager:
    """Modules of the package imported in this block get atheris' coverage instrumentation
    when `target_file` is the program being fuzzed (native code has none: it is not built
    with libFuzzer)."""
    program = Path(sys.argv[0])
    if not fuzzing() or not program.exists() or not program.samefile(target_file):
        return contextlib.nullcontext()
    return atheris.instrument_imports(include=["webrtc"])


def require_loopback_only() -> None:
    """The targets open peer connections: run them only where nothing leaves 127.0.0.1."""
    others = [name for _, name in socket.if_nameindex() if name != "lo"]
    if others:
        sys.exit(f"fuzz targets run in a loopback-only namespace (found {others}): "
                 "use tools/fuzz.sh or scripts/netns-run")


# ---- the event loop and deadlines ----

LOOP = asyncio.new_event_loop()
asyncio.set_event_loop(LOOP)


def run(awaitable: Awaitable[Any], what: str, timeout: float = STEP_TIMEOUT) -> Any:
    """Run `awaitable` on the process's loop; a Finding if it takes longer than `timeout`."""
    try:
        return LOOP.run_until_complete(asyncio.wait_for(awaitable, timeout))
    except asyncio.TimeoutError:
        raise Finding(f"hang: {what} did not finish within {timeout} s") from None


async def wait_until(predicate: Callable[[], bool], what: str,
                     timeout: float = STEP_TIMEOUT) -> None:
    """Poll `predicate` until it holds; a Finding after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise Finding(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


def check_refusal(exc: BaseException, allowed: tuple[type, ...], where: str,
                  exact: bool = True) -> None:
    """Return if `exc` is a documented refusal; raise a Finding for anything else.

    `exact`: the type must be one of `allowed` itself. A subclass is then a finding too (a
    UnicodeDecodeError where ValueError is documented means some code failed by accident)."""
    ok = type(exc) in allowed if exact else isinstance(exc, allowed)
    if not ok:
        raise Finding(f"{where}: undocumented {type(exc).__name__}: {exc}") from exc


# ---- leaks ----


def resources() -> dict[str, int]:
    """What a target could leak: descriptors, threads, pending tasks, native objects."""
    from webrtc import _native

    gc.collect()
    return {
        "fds": len(os.listdir("/proc/self/fd")),
        "threads": len(os.listdir("/proc/self/task")),
        "tasks": sum(1 for task in asyncio.all_tasks(LOOP) if not task.done()),
        "peer connections": _native.live_peer_connections(),
        "data channels": _native.live_data_channels(),
        "remote tracks": _native.live_remote_tracks(),
        "local tracks": _native.live_local_tracks(),
        "event queues": _native.live_event_queues(),
    }


# Growth allowed over the baseline before a count is a leak: room for what comes and goes
# (a connection being torn down, a thread pool growing once), far below what a leak per
# input reaches over thousands of inputs.
SLACK = {"fds": 32, "threads": 8, "tasks": 16}
NATIVE_SLACK = 8


def settle(limit: Callable[[dict[str, int]], bool], timeout: float = 5.0) -> dict[str, int]:
    """Snapshots (letting closing finish on the loop) until limit(snapshot) holds or the
    deadline passes; returns the last one."""
    deadline = time.monotonic() + timeout
    while True:
        now = resources()
        if limit(now) or time.monotonic() > deadline:
            return now
        LOOP.run_until_complete(asyncio.sleep(0.05))


class ResourceWatch:
    """Counts resources every `every` inputs; the first count is the baseline, and a count
    that stays above baseline + slack (after a settle; SLACK, NATIVE_SLACK, or `slack` for
    the target's own) is a Finding."""

    def __init__(self, every: int = 200, slack: dict[str, int] | None = None) -> None:
        self._every = every
        self._slack = {**SLACK, **(slack or {})}
        self._inputs = 0
        self._baseline: dict[str, int] | None = None

    def tick(self) -> None:
        self._inputs += 1
        if self._inputs % self._every:
            return
        if self._baseline is None:
            self._baseline = settle(lambda now: True)
            return
        baseline = self._baseline

        def within(now: dict[str, int]) -> bool:
            return all(now[name] <= baseline[name] + self._slack.get(name, NATIVE_SLACK)
                       for name in now)

        now = settle(within)
        if not within(now):
            grown = {name: (baseline[name], now[name]) for name in now if now[name] != baseline[name]}
            raise Finding(f"resources grow without bound after {self._inputs} inputs "
                          f"(baseline -> now): {grown}")


# ---- the entry point ----


def _input_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        files += sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    return files


def replay(test_one_input: Callable[[bytes], None], paths: list[str],
           teardown: Callable[[], None] | None = None) -> int:
    """Run each file once; then, after `teardown`, native objects must be back to where they
    were before the first input. Returns the exit status."""
    before = resources()
    failures = 0
    files = _input_files(paths)
    for path in files:
        print(f"replay {path}", file=sys.stderr, flush=True)  # names the input if we crash
        try:
            test_one_input(path.read_bytes())
        except Exception:
            failures += 1
            print(f"FAILED {path}:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
    if teardown is not None:
        teardown()
    native = [name for name in before if name not in SLACK]
    after = settle(lambda now: all(now[name] <= before[name] for name in native))
    left = {name: after[name] - before[name] for name in native if after[name] > before[name]}
    if left:
        failures += 1
        print(f"FAILED: native objects left after the replay: {left}", file=sys.stderr)
    print(f"replayed {len(files)} inputs, {failures} failed", flush=True)
    return 1 if failures else 0


_exit_hook: Any = None


def shut_engine_down_at_c_exit() -> None:
    """libFuzzer ends the process with C exit(), which runs no Python atexit handler: without
    webrtc.shutdown() (registered with atexit) the engine's threads still run while C++
    statics are destroyed, a "deadly signal" after the final stats. A C atexit handler runs
    before the statics of libraries loaded earlier are destroyed."""
    global _exit_hook
    import ctypes

    from webrtc import _native

    # atexit() itself is not exported by glibc; __cxa_atexit(function, argument, dso) is.
    _exit_hook = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda _: _native.shutdown())
    ctypes.CDLL(None).__cxa_atexit(_exit_hook, None, None)


def main(test_one_input: Callable[[bytes], None],
         teardown: Callable[[], None] | None = None) -> None:
    require_loopback_only()
    arguments = sys.argv[1:]
    if REPLAY_FLAG in arguments:
        sys.exit(replay(test_one_input, [a for a in arguments if a != REPLAY_FLAG], teardown))
    if atheris is None:
        sys.exit("atheris is not installed (pip install atheris); "
                 f"{REPLAY_FLAG} runs corpus files without it")
    shut_engine_down_at_c_exit()
    # libFuzzer runs argv[0] through the shell for -merge=1 (and -fork): the interpreter
    # and the script, not the script alone, which is not executable.
    program = f"{shlex.quote(sys.executable)} {shlex.quote(str(Path(sys.argv[0]).resolve()))}"
    atheris.Setup([program, *arguments], test_one_input)
    atheris.Fuzz()
