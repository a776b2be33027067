"""Zero-edit mode: ``python -m webrtc.aiortc_compat program.py`` and ``install()`` resolve
``aiortc`` and every ``aiortc.X`` to ours, never import the real aiortc (installed here as a
test dependency), run the program as ``python program.py`` would, and explain the aiortc
modules that no native engine has. Each case runs in a fresh interpreter: the mode changes
the import system of the whole process."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
import textwrap

import pytest

import webrtc.aiortc_compat as compat

REAL_AIORTC = os.path.dirname(os.path.realpath(importlib.util.find_spec("aiortc").origin))
ENV = {**os.environ, "WEBRTC_ALLOW_LOOPBACK": "1", "REAL_AIORTC": REAL_AIORTC}

# Printed by the programs below: what the process ended up with.
REPORT = """
import json as _json, os as _os, sys as _sys
def _report(**extra):
    real = sorted(n for n, m in list(_sys.modules.items())
                  if (getattr(m, "__file__", None) or "").startswith(_os.environ["REAL_AIORTC"] + _os.sep))
    print(_json.dumps({"real": real,
                       "aiortc_is_compat": _sys.modules.get("aiortc") is _sys.modules.get("webrtc.aiortc_compat"),
                       **extra}))
"""


def run(*args: str, cwd=None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=ENV,
                          cwd=cwd, timeout=timeout)


def write(path, source: str):
    """Write a program (dedented); REPORT comes first if the program calls _report()."""
    path.write_text((REPORT if "_report(" in source else "") + textwrap.dedent(source))
    return path


def last_json(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_program_runs_as_main_with_its_argv_and_folder(tmp_path):
    folder = tmp_path / "prog"
    folder.mkdir()
    write(folder / "helper_module.py", "VALUE = 42\n")
    program = write(folder / "program.py", """
        import aiortc
        from aiortc import RTCPeerConnection, RTCSessionDescription
        from aiortc.contrib.signaling import BYE, TcpSocketSignaling
        from aiortc.mediastreams import VideoStreamTrack
        import aiortc.sdp
        import helper_module  # found beside the program, as with `python program.py`
        import webrtc.aiortc_compat as compat
        if __name__ == "__main__":
            _report(argv=_sys.argv, path0=_sys.path[0], name=__name__,
                    same=[aiortc.sdp is compat.sdp, RTCPeerConnection is compat.RTCPeerConnection,
                          VideoStreamTrack is compat.VideoStreamTrack,
                          _sys.modules["aiortc.contrib.signaling"] is compat.contrib.signaling],
                    spec=compat.sdp.__spec__.name, helper=helper_module.VALUE)
    """)
    # Run from another folder: the program's own folder, not the current one, comes first.
    report = last_json(run("-m", "webrtc.aiortc_compat", str(program), "offer", "--x", "1",
                           cwd=tmp_path))
    assert report["real"] == []
    assert report["aiortc_is_compat"]
    assert report["argv"] == [str(program), "offer", "--x", "1"]
    assert report["path0"] == str(folder.resolve())
    assert report["name"] == "__main__"
    assert report["same"] == [True, True, True, True]
    # Our modules keep their own spec (relative imports and pickling go by the real name).
    assert report["spec"] == "webrtc.aiortc_compat.sdp"
    assert report["helper"] == 42


def test_exit_code_and_traceback_are_the_programs(tmp_path):
    exits = write(tmp_path / "exits.py", "import aiortc, sys\nsys.exit(3)\n")
    assert run("-m", "webrtc.aiortc_compat", str(exits)).returncode == 3
    fails = write(tmp_path / "fails.py", "import aiortc\nraise RuntimeError('from the program')\n")
    result = run("-m", "webrtc.aiortc_compat", str(fails))
    assert result.returncode == 1
    assert "RuntimeError: from the program" in result.stderr


def test_usage_without_a_program():
    result = run("-m", "webrtc.aiortc_compat")
    assert result.returncode == 2 and "usage:" in result.stderr


def test_dash_m_runs_a_module(tmp_path):
    write(tmp_path / "aiortc_app.py", """
        from aiortc.contrib.signaling import object_to_string, BYE
        if __name__ == "__main__":
            _report(bye=object_to_string(BYE), argv=_sys.argv[1:])
    """)
    report = last_json(run("-m", "webrtc.aiortc_compat", "-m", "aiortc_app", "a", cwd=tmp_path))
    assert report["real"] == [] and report["aiortc_is_compat"]
    assert report["bye"] == '{"type": "bye"}' and report["argv"] == ["a"]


def test_every_submodule_of_ours_answers_to_its_aiortc_name(tmp_path):
    """Mapped by name: each module of webrtc.aiortc_compat, whatever its name, is aiortc.X."""
    prefix = compat.__name__ + "."
    names = [name.removeprefix(prefix)
             for _, name, _ in pkgutil.walk_packages(compat.__path__, prefix)
             if not name.rpartition(".")[2].startswith("_")]
    assert {"sdp", "contrib", "contrib.signaling", "rtcpeerconnection"} <= set(names)
    program = write(tmp_path / "all.py", f"""
        import importlib
        names = {names!r}
        same = {{n: importlib.import_module("aiortc." + n)
                    is importlib.import_module("webrtc.aiortc_compat." + n) for n in names}}
        _report(same=same)
    """)
    report = last_json(run("-m", "webrtc.aiortc_compat", str(program)))
    assert report["real"] == []
    assert report["same"] == {name: True for name in names}


def test_install_from_code(tmp_path):
    program = write(tmp_path / "installs.py", """
        import webrtc.aiortc_compat
        webrtc.aiortc_compat.install()
        webrtc.aiortc_compat.install()  # twice is once
        from aiortc import RTCPeerConnection
        from aiortc.rtcdatachannel import RTCDataChannel
        import aiortc.contrib.signaling
        finders = sum(type(f).__name__ == "_AliasFinder" for f in _sys.meta_path)
        _report(ours=RTCPeerConnection is webrtc.aiortc_compat.RTCPeerConnection, finders=finders)
    """)
    report = last_json(run(str(program)))
    assert report["real"] == [] and report["aiortc_is_compat"] and report["ours"]
    assert report["finders"] == 1


def test_install_after_the_real_aiortc_is_refused(tmp_path):
    program = write(tmp_path / "late.py", """
        import aiortc
        import webrtc.aiortc_compat
        webrtc.aiortc_compat.install()
    """)
    result = run(str(program))
    assert result.returncode == 1
    assert "RuntimeError: the real aiortc is already imported" in result.stderr


@pytest.mark.parametrize("statement", [
    "import aiortc.codecs", "import aiortc.codecs.vpx", "from aiortc.jitterbuffer import JitterBuffer",
    "from aiortc import rtp", "import aiortc.rate", "from aiortc.clock import current_ntp_time",
    "import aiortc.utils",
])
def test_engine_internals_raise_an_import_error_that_says_so(tmp_path, statement):
    program = write(tmp_path / "internal.py", f"""
        try:
            {statement}
        except ImportError as error:
            _report(kind=type(error).__name__, message=str(error))
    """)
    report = last_json(run("-m", "webrtc.aiortc_compat", str(program)))
    assert report["real"] == []
    assert "our engine has no such module" in report["message"], report
    assert report["kind"] == "NoSuchModuleError"


@pytest.mark.parametrize("name", ["codecs", "jitterbuffer", "rtp", "rate", "clock", "utils"])
def test_engine_internals_of_our_package_raise_an_import_error_that_says_so(name):
    with pytest.raises(ImportError, match="our engine has no such module"):
        importlib.import_module(f"webrtc.aiortc_compat.{name}")
    with pytest.raises(ImportError, match="our engine has no such module"):
        exec(f"from webrtc.aiortc_compat import {name}", {})


def test_a_name_neither_has_is_not_looked_up_in_the_real_aiortc(tmp_path):
    program = write(tmp_path / "unknown.py", """
        try:
            import aiortc.no_such_thing
        except ModuleNotFoundError as error:
            _report(message=str(error), name=error.name)
    """)
    report = last_json(run("-m", "webrtc.aiortc_compat", str(program)))
    assert report["real"] == []
    assert report["name"] == "aiortc.no_such_thing"
