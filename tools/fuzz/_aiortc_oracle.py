"""aiortc 1.16 as the oracle for the compat layer's parsers: what aiortc returns, ours
returns (compared field by field), and where aiortc raises, ours raises the type it
documents for that case. Without aiortc installed, `aiortc_sdp` is None and the targets
check only our own rules.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Callable

try:
    import aiortc.contrib.signaling as aiortc_signaling
    import aiortc.sdp as aiortc_sdp
except ImportError:
    aiortc_sdp = aiortc_signaling = None

_LEAVES = (str, int, float, type(None))


def plain(value: Any) -> Any:
    """`value` as nested builtins with class names and the exact type of each leaf, so that
    aiortc's objects and ours compare field by field (and 1 differs from True)."""
    if isinstance(value, enum.Enum):
        return (type(value).__name__, value.name, value.value)
    if isinstance(value, _LEAVES):
        return (type(value).__name__, value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, tuple):
        return tuple(plain(item) for item in value)
    if isinstance(value, dict):
        return {plain(key): plain(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value):
        return (type(value).__name__,
                {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)})
    return (type(value).__name__, {k: plain(v) for k, v in vars(value).items()})


def outcome(function: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    """("ok", result) or ("raised", exception)."""
    try:
        return "ok", function(*args)
    except Exception as error:  # noqa: BLE001  (the oracle may fail in any way)
        return "raised", error


def documented_type(aiortc_error: BaseException) -> type[Exception]:
    """What webrtc.aiortc_compat.sdp raises where aiortc raised `aiortc_error`: AssertionError
    where aiortc asserts, ValueError where it fails in any other way (its KeyError,
    IndexError, AttributeError, TypeError, StopIteration on malformed lines)."""
    if isinstance(aiortc_error, AssertionError):
        return AssertionError
    return ValueError
