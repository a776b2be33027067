"""The descriptions PyAV hangs on its frames (sample format, channel layout, pixel format),
for our frames to hand out.

With PyAV installed these are PyAV's own objects (``av.AudioFormat``, ``av.AudioLayout``,
``av.VideoFormat``), made once per kind and shared: they are read-only, so sharing them is
safe, and user code gets PyAV's exact types and values. Without PyAV, small look-alikes with
the same fields stand in, so reading ``frame.format.name`` never needs PyAV.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any


def pyav_rational(value: Any) -> Any:
    """`value` (a time base) as PyAV hands out time bases: PyAV 19 and later give their own
    rational type where earlier ones gave a ``Fraction``. Without PyAV imported, as it is."""
    if type(value) is not Fraction or "av" not in sys.modules:
        return value
    return _pyav_rational(value.numerator, value.denominator)


@lru_cache(maxsize=64)
def _pyav_rational(numerator: int, denominator: int) -> Any:
    import av

    scratch = av.AudioFrame(format="s16", layout="mono", samples=1)
    scratch.time_base = Fraction(numerator, denominator)
    return scratch.time_base


@lru_cache(maxsize=None)
def audio_format(name: str) -> Any:
    """PyAV's ``AudioFormat`` for `name` ("s16"), or a look-alike without PyAV."""
    try:
        import av
    except ImportError:
        return AudioFormat(name)
    return av.AudioFormat(name)


@lru_cache(maxsize=None)
def audio_layout(channels: int) -> Any:
    """PyAV's ``AudioLayout`` for `channels` (FFmpeg's default order), or a look-alike."""
    try:
        import av
    except ImportError:
        return AudioLayout(channels)
    return av.AudioLayout(_LAYOUT_NAMES.get(channels) or f"{channels}c")


@lru_cache(maxsize=32)  # one per picture size a track has used; sizes rarely change
def video_format(name: str, width: int, height: int) -> Any:
    """PyAV's ``VideoFormat`` for `name` at `width` x `height`, or a look-alike."""
    try:
        import av
    except ImportError:
        return VideoFormat(name, width, height)
    return av.VideoFormat(name, width, height)


_LAYOUT_NAMES = {1: "mono", 2: "stereo"}

# name -> (bytes per sample, planar?, the other arrangement's name)
_SAMPLE_FORMATS = {"s16": (2, False, "s16p"), "s16p": (2, True, "s16")}

# FFmpeg's default channels per count, as av.AudioLayout lists them.
_CHANNELS = {
    1: (("FC", "front center"),),
    2: (("FL", "front left"), ("FR", "front right")),
}


class AudioFormat:
    """Stands in for ``av.AudioFormat`` when PyAV is not installed (same fields)."""

    __slots__ = ("name", "bytes", "bits", "is_planar", "is_packed", "_other")

    def __init__(self, name: str) -> None:
        size, planar, other = _SAMPLE_FORMATS[name]
        self.name = name
        self.bytes = size
        self.bits = size * 8
        self.is_planar = planar
        self.is_packed = not planar
        self._other = other

    @property
    def packed(self) -> AudioFormat:
        return self if self.is_packed else AudioFormat(self._other)

    @property
    def planar(self) -> AudioFormat:
        return self if self.is_planar else AudioFormat(self._other)

    @property
    def container_name(self) -> str:
        if self.is_planar:
            raise ValueError("no planar container formats")  # PyAV's message
        return f"{self.name}le"

    def __repr__(self) -> str:
        return f"<webrtc AudioFormat {self.name}>"


@dataclass(frozen=True)
class AudioChannel:
    """Stands in for ``av.AudioChannel``: FFmpeg's short name and its description."""

    name: str
    description: str


class AudioLayout:
    """Stands in for ``av.AudioLayout`` when PyAV is not installed (same fields)."""

    __slots__ = ("name", "nb_channels", "channels")

    def __init__(self, channels: int) -> None:
        self.nb_channels = channels
        self.name = _LAYOUT_NAMES.get(channels) or f"{channels} channels"
        self.channels = tuple(
            AudioChannel(*pair) for pair in _CHANNELS.get(channels, (("NONE", "none"),) * channels)
        )

    def __repr__(self) -> str:
        return f"<webrtc AudioLayout {self.name!r}>"


class VideoFormat:
    """Stands in for ``av.VideoFormat`` when PyAV is not installed (name and size only)."""

    __slots__ = ("name", "width", "height")

    def __init__(self, name: str, width: int, height: int) -> None:
        self.name = name
        self.width = width
        self.height = height

    def __repr__(self) -> str:
        return f"<webrtc VideoFormat {self.name}, {self.width}x{self.height}>"
