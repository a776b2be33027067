"""Zero-edit mode: the name ``aiortc`` and every ``aiortc.X`` resolve to
``webrtc.aiortc_compat`` and ``webrtc.aiortc_compat.X``, so an aiortc program runs on our
engine without a changed line.

``install()`` puts a finder at the front of ``sys.meta_path``. It maps names one to one (no
list of public modules is kept here), and an ``aiortc.X`` that we do not have fails at once:
the real aiortc, if installed, is never searched, let alone imported. ``sys.modules["aiortc"]``
is then ``webrtc.aiortc_compat`` itself, the same module object, not a copy.

Some of aiortc's modules are its own machinery (codecs, jitter buffer, RTP packets, ...),
which libwebrtc does natively and no native engine exposes. Importing one of them, as
``aiortc.codecs`` in zero-edit mode or as ``webrtc.aiortc_compat.codecs``, raises an
ImportError that says so, from a second finder that this module registers on import, at the
end of ``sys.meta_path`` (it is asked only once no other finder has the module).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Sequence

ALIAS = "aiortc"
TARGET = __name__.rpartition(".")[0]  # "webrtc.aiortc_compat"

# aiortc 1.16's modules that are its own engine, with what takes their place here.
ENGINE_INTERNALS = {
    "clock": "aiortc's NTP clock helpers for RTCP; libwebrtc keeps its own clocks",
    "codecs": "aiortc's encoders, decoders and packetizers; libwebrtc encodes and decodes natively",
    "jitterbuffer": "aiortc's jitter buffer; libwebrtc has its own",
    "rate": "aiortc's bandwidth estimator; libwebrtc's congestion control does that",
    "rtp": "aiortc's RTP and RTCP packet classes; libwebrtc builds and parses packets natively",
    "utils": "aiortc's internal helpers",
}


class NoSuchModuleError(ImportError):
    """An aiortc module that only aiortc's own engine has.

    Not a ModuleNotFoundError on purpose: ``from aiortc import codecs`` would swallow that one
    and report a bare "cannot import name" instead of this message."""


def _no_such_module(requested: str, internal: str) -> NoSuchModuleError:
    return NoSuchModuleError(
        f"No module named {requested!r}: in aiortc it is {ENGINE_INTERNALS[internal]}. "
        f"{TARGET} runs aiortc's API on libwebrtc, and our engine has no such module.",
        name=requested,
    )


def _internal_part(fullname: str, package: str) -> str | None:
    """The engine-internal module that `fullname` (in `package`) names or lies in, if any."""
    prefix = package + "."
    if not fullname.startswith(prefix):
        return None
    first = fullname[len(prefix):].split(".", 1)[0]
    return first if first in ENGINE_INTERNALS else None


class _EngineInternalsFinder(importlib.abc.MetaPathFinder):
    """Last on sys.meta_path: explains a missing ``webrtc.aiortc_compat.<internal>``."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        internal = _internal_part(fullname, TARGET)
        if internal is not None:
            raise _no_such_module(fullname, internal)
        return None


class _AliasLoader(importlib.abc.Loader):
    """Loads ``aiortc.X`` as the already importable ``webrtc.aiortc_compat.X``."""

    def __init__(self, target: str) -> None:
        self._target = target
        self._target_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self._target)
        self._target_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system has just set the module's __spec__ to the alias spec. Put its own
        # back: relative imports, pickling and reload go by the module's real name.
        module.__spec__ = self._target_spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    """First on sys.meta_path: ``aiortc[.X]`` is ``webrtc.aiortc_compat[.X]`` or nothing."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        internal = _internal_part(fullname, ALIAS)
        if internal is not None:
            raise _no_such_module(fullname, internal)
        target_name = TARGET + fullname[len(ALIAS):]
        target_spec = importlib.util.find_spec(target_name)
        if target_spec is None:
            # Not None: no later finder may hand out the real aiortc's module of this name.
            raise ModuleNotFoundError(
                f"No module named {fullname!r} ({target_name} does not exist)", name=fullname
            )
        return importlib.util.spec_from_loader(
            fullname,
            _AliasLoader(target_name),
            is_package=target_spec.submodule_search_locations is not None,
        )


_alias_finder = _AliasFinder()
_internals_finder = _EngineInternalsFinder()


def _real_aiortc_modules() -> list[str]:
    """Names of modules in sys.modules that are aiortc's own, not aliases of ours."""
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if (name == ALIAS or name.startswith(ALIAS + "."))
        and not getattr(module, "__name__", "").startswith(TARGET)
    )


def install() -> None:
    """Resolve ``aiortc`` and ``aiortc.X`` to ``webrtc.aiortc_compat`` and its submodules
    from now on, in this process. Call it before anything imports aiortc: it raises
    RuntimeError if the real aiortc is already imported. Calling it again does nothing."""
    already = _real_aiortc_modules()
    if already:
        raise RuntimeError(
            f"the real aiortc is already imported ({', '.join(already[:3])}"
            f"{', ...' if len(already) > 3 else ''}); call install() before anything imports aiortc"
        )
    if _alias_finder not in sys.meta_path:
        sys.meta_path.insert(0, _alias_finder)
    sys.modules[ALIAS] = sys.modules[TARGET]


if _internals_finder not in sys.meta_path:
    sys.meta_path.append(_internals_finder)
