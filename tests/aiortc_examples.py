"""aiortc 1.16.0's own example programs, started as separate processes against each other.

The programs come from aiortc's released sdist, fetched once into a cache outside the repo
(``~/.cache/python-webrtc/aiortc-sdist``, or under ``$XDG_CACHE_HOME``) and never committed.
The tests run in a network namespace that cannot reach PyPI, so the cache is filled
beforehand by ``python tests/aiortc_examples.py`` (which prints the examples' folder).

A program runs in one of three modes:

- ``AIORTC``: the real aiortc, the program unmodified under plain ``python``;
- ``ZERO_EDIT``: our engine, ``python -m webrtc.aiortc_compat program.py ...``;
- ``IMPORT_CHANGE``: our engine, a copy of the program whose aiortc imports were changed to
  ``webrtc.aiortc_compat`` (the one-line migration).

Every program gets ``tests/example_site`` on its PYTHONPATH (see the sitecustomize there).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

AIORTC_VERSION = "1.16.0"
CACHE_DIR = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "python-webrtc"
    / "aiortc-sdist"
)
SITE_DIR = Path(__file__).resolve().parent / "example_site"

AIORTC = "aiortc"
ZERO_EDIT = "zero-edit"
IMPORT_CHANGE = "import-change"
OUR_MODES = (ZERO_EDIT, IMPORT_CHANGE)


class ExamplesUnavailable(Exception):
    """aiortc's sdist is neither cached nor downloadable from here."""


def fetch_examples() -> Path:
    """The examples/ folder of aiortc's sdist; downloaded and unpacked on first use."""
    unpacked = CACHE_DIR / f"aiortc-{AIORTC_VERSION}"
    if (unpacked / "examples").is_dir():
        return unpacked / "examples"
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    sdist = CACHE_DIR / f"aiortc-{AIORTC_VERSION}.tar.gz"
    if not sdist.exists():
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "--retries", "0", "--timeout", "30", "-d", str(CACHE_DIR),
             f"aiortc=={AIORTC_VERSION}"],
            capture_output=True, text=True, timeout=300,
        )
        if result.returncode != 0 or not sdist.exists():
            last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise ExamplesUnavailable(
                f"aiortc {AIORTC_VERSION}'s sdist is not in {CACHE_DIR} and pip could not "
                f"download it ({last}); run `python tests/aiortc_examples.py` where PyPI "
                "can be reached"
            )
    # Unpacked beside the cache and renamed into place: a half-unpacked tree is never seen.
    with tempfile.TemporaryDirectory(dir=CACHE_DIR) as scratch:
        with tarfile.open(sdist) as archive:
            archive.extractall(scratch, filter="data")
        try:
            os.replace(Path(scratch) / unpacked.name, unpacked)
        except OSError:
            if not (unpacked / "examples").is_dir():
                raise
    return unpacked / "examples"


def examples_or_skip() -> Path:
    """fetch_examples(), or skip the test saying why the programs are not there."""
    import pytest

    try:
        return fetch_examples()
    except ExamplesUnavailable as error:
        pytest.skip(str(error))


def real_aiortc_dir() -> str:
    """The folder of the installed aiortc, found without importing it."""
    spec = importlib.util.find_spec("aiortc")
    assert spec is not None and spec.submodule_search_locations, "aiortc is not installed"
    return os.path.realpath(list(spec.submodule_search_locations)[0])


_AIORTC_IMPORT = re.compile(r"^(\s*)(from aiortc(?=[\s.])|import aiortc(?=\s*$))", re.M)


def with_import_change(program: Path, folder: Path) -> Path:
    """A copy of `program`'s folder in `folder`, the program's aiortc imports changed to
    webrtc.aiortc_compat: ``from aiortc... import`` and ``import aiortc``."""
    copy = folder / program.parent.name
    shutil.copytree(program.parent, copy)
    source = program.read_text()

    def change(match: re.Match[str]) -> str:
        if match.group(2).startswith("from"):
            return match.group(1) + "from webrtc.aiortc_compat"
        return match.group(1) + "import webrtc.aiortc_compat as aiortc"

    changed, count = _AIORTC_IMPORT.subn(change, source)
    assert count > 0, f"{program} imports nothing from aiortc"
    leftover = re.findall(r"^\s*(?:from|import) aiortc\b.*$", changed, re.M)
    assert not leftover, f"imports the change does not cover: {leftover}"
    (copy / program.name).write_text(changed)
    return copy / program.name


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tcp_signaling(port: int) -> list[str]:
    """The examples' options for TCP signaling on 127.0.0.1:port."""
    return ["--signaling", "tcp-socket", "--signaling-host", "127.0.0.1",
            "--signaling-port", str(port)]


def _listening(port: int) -> bool:
    """Whether something listens on TCP port `port` of this namespace (read from /proc:
    connecting to find out would take the program's one signaling connection)."""
    with open("/proc/net/tcp") as table:
        next(table)
        for row in table:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False


class ExampleProcess:
    """A started example program, its stdout and stderr collected line by line."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path,
                 report: Path | None) -> None:
        self.name = name
        self.argv = argv
        self.report = report
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._changed = threading.Condition()
        self._open_streams = 2
        self.process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env, cwd=cwd,
        )
        for stream, lines in ((self.process.stdout, self.stdout),
                              (self.process.stderr, self.stderr)):
            threading.Thread(target=self._collect, args=(stream, lines), daemon=True).start()

    def _collect(self, stream, lines: list[str]) -> None:
        for line in stream:
            with self._changed:
                lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._open_streams -= 1
            self._changed.notify_all()

    def transcript(self) -> str:
        with self._changed:
            return (f"--- {self.name}: {' '.join(self.argv)}\n--- stdout\n"
                    + "\n".join(self.stdout) + "\n--- stderr\n" + "\n".join(self.stderr))

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 15.0) -> list[re.Match]:
        """The first `count` stdout lines that match `pattern` in full, waiting up to
        `timeout` seconds for them."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matches = [m for m in map(regex.fullmatch, self.stdout) if m]
                if len(matches) >= count:
                    return matches[:count]
                left = deadline - time.monotonic()
                if left <= 0 or self._open_streams == 0:
                    break
                self._changed.wait(left)
        why = "exited" if self._open_streams == 0 else f"still running after {timeout} s"
        raise AssertionError(
            f"{self.name} {why} with {len(matches)} of {count} lines matching {pattern!r}\n"
            + self.transcript()
        )

    def wait_until(self, predicate, timeout: float, what: str) -> None:
        """Wait until predicate() holds (checked as lines arrive and every 0.1 s), or the
        program's output has ended, up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0 or self._open_streams == 0:
                    if predicate():
                        return
                    raise AssertionError(f"{self.name}: no {what} in {timeout} s\n"
                                         + self.transcript())
                self._changed.wait(min(left, 0.1))

    def ended(self) -> bool:
        """Whether the program has exited (its output streams are closed)."""
        with self._changed:
            return self._open_streams == 0 and self.process.poll() is not None

    def wait_listening(self, port: int, timeout: float = 15.0) -> None:
        """Wait until this program listens on `port` (its signaling server)."""
        deadline = time.monotonic() + timeout
        while not _listening(port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{self.name} does not listen on {port}\n" + self.transcript())
            time.sleep(0.02)

    def interrupt(self) -> None:
        """Ctrl-C: the examples stop on KeyboardInterrupt and clean up (signaling BYE)."""
        self.process.send_signal(signal.SIGINT)

    def wait(self, timeout: float = 15.0) -> int:
        """The exit code, after waiting up to `timeout` seconds (then kill and fail)."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.name} did not exit in {timeout} s\n" + self.transcript())
        with self._changed:
            self._changed.wait_for(lambda: self._open_streams == 0, timeout=5)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def modules_report(self) -> dict:
        """What the program had loaded at exit (see example_site/sitecustomize.py)."""
        assert self.report is not None and self.report.exists(), (
            f"{self.name} wrote no module report\n" + self.transcript())
        return json.loads(self.report.read_text())

    def assert_no_traceback(self) -> None:
        assert not any("Traceback" in line for line in self.stderr), self.transcript()


def start(mode: str, program: Path, *args: str, workdir: Path, name: str) -> ExampleProcess:
    """Start `program` with `args` in `mode` (AIORTC, ZERO_EDIT or IMPORT_CHANGE)."""
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",  # the tests read the programs' prints as they happen
        "WEBRTC_ALLOW_LOOPBACK": "1",
        "PYTHONPATH": os.pathsep.join(
            [str(SITE_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    report = None
    if mode == AIORTC:
        env["EXAMPLE_AIOICE_LOOPBACK"] = "1"
        argv = [sys.executable, str(program), *args]
    else:
        report = workdir / f"{name}-modules.json"
        env["EXAMPLE_MODULES_REPORT"] = str(report)
        env["EXAMPLE_REAL_AIORTC_DIR"] = real_aiortc_dir()
        if mode == ZERO_EDIT:
            argv = [sys.executable, "-m", "webrtc.aiortc_compat", str(program), *args]
        elif mode == IMPORT_CHANGE:
            changed_folder = workdir / f"{name}-changed"
            changed_folder.mkdir()
            argv = [sys.executable, str(with_import_change(program, changed_folder)), *args]
        else:
            raise ValueError(f"unknown mode {mode!r}")
    return ExampleProcess(name, argv, env, workdir, report)


if __name__ == "__main__":
    print(fetch_examples())
