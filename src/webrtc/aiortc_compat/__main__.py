"""``python -m webrtc.aiortc_compat program.py [args...]``: run an unmodified aiortc program
on our engine (zero-edit mode).

The program runs as ``python program.py args...`` would run it: as ``__main__``, with
``sys.argv`` = ``[program.py, args...]`` and the program's folder first on ``sys.path``, but
with ``aiortc`` and every ``aiortc.X`` resolved to ``webrtc.aiortc_compat`` (see
``_zero_edit``). ``-m module args...`` runs a module instead, as ``python -m module`` would.
"""

from __future__ import annotations

import os
import runpy
import sys

from ._zero_edit import install

USAGE = (
    "usage: python -m webrtc.aiortc_compat program.py [args...]\n"
    "       python -m webrtc.aiortc_compat -m module [args...]\n"
    "Runs an aiortc program unchanged, with aiortc resolved to webrtc.aiortc_compat."
)


def main(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        raise SystemExit(2 if not argv else 0)
    install()
    if argv[0] == "-m":
        if len(argv) < 2:
            print(USAGE, file=sys.stderr)
            raise SystemExit(2)
        # As `python -m module`: argv[0] becomes the module's file (run_module sets it), and
        # the current folder is first on sys.path (it already is, for `python -m` of us).
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return
    program = argv[0]
    sys.argv = list(argv)
    # As `python program.py`: the folder of the program, symlinks resolved, replaces the
    # current folder that `python -m` put first.
    sys.path[0] = os.path.dirname(os.path.realpath(program))
    runpy.run_path(program, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
