"""Imported at start-up by every example program that tests/aiortc_examples.py starts (its
folder is on their PYTHONPATH), so that the programs themselves run unmodified.

- EXAMPLE_AIOICE_LOOPBACK=1 (the real aiortc's side): aioice leaves 127.0.0.1 out of its host
  candidates, and the tests' network namespace has nothing else, so it is let in.
- EXAMPLE_MODULES_REPORT=<file>: at exit, write which aiortc the program had: whether
  sys.modules["aiortc"] was webrtc.aiortc_compat, and every loaded module whose file lies in
  the real aiortc's folder (EXAMPLE_REAL_AIORTC_DIR).
"""

import atexit
import json
import os
import sys

if os.environ.get("EXAMPLE_AIOICE_LOOPBACK") == "1":
    import aioice.ice

    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


def _write_modules_report(path: str, real_dir: str) -> None:
    real_modules = sorted(
        name
        for name, module in list(sys.modules.items())
        if (getattr(module, "__file__", None) or "").startswith(real_dir + os.sep)
    )
    aiortc = sys.modules.get("aiortc")
    with open(path, "w") as report:
        json.dump(
            {
                "aiortc_is_compat": aiortc is not None
                and aiortc is sys.modules.get("webrtc.aiortc_compat"),
                "real_aiortc_modules": real_modules,
            },
            report,
        )


if os.environ.get("EXAMPLE_MODULES_REPORT"):
    atexit.register(
        _write_modules_report,
        os.environ["EXAMPLE_MODULES_REPORT"],
        os.environ["EXAMPLE_REAL_AIORTC_DIR"],
    )
