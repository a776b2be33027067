"""AudioFrame: received audio, shaped like ``av.AudioFrame`` (packed s16).

``to_ndarray()`` gives PyAV's packed shape ``(1, samples * channels)``; anything else
``av.AudioFrame`` offers is served by a real PyAV frame, made on first use (``to_av()``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import _native


class AudioFormat:
    """The sample format, as ``av.AudioFrame.format`` describes it (``.name``)."""

    __slots__ = ("name", "is_packed")

    def __init__(self, name: str) -> None:
        self.name = name
        self.is_packed = True

    def __repr__(self) -> str:
        return f"<AudioFormat {self.name}>"


class AudioLayout:
    """The channel layout (``.name`` is "mono" or "stereo"), as ``av.AudioFrame.layout``."""

    __slots__ = ("name", "nb_channels")

    def __init__(self, channels: int) -> None:
        self.nb_channels = channels
        self.name = {1: "mono", 2: "stereo"}.get(channels, f"{channels} channels")

    def __repr__(self) -> str:
        return f"<AudioLayout {self.name!r}>"


_S16 = AudioFormat("s16")
_LAYOUTS = {1: AudioLayout(1), 2: AudioLayout(2)}
_TIME_BASES: dict[int, Fraction] = {}


class AudioFrame:
    """20 ms of audio; ``pts`` counts samples from the first frame (time base 1/sample_rate)."""

    __slots__ = ("_native", "_av", "time_base")

    format = _S16

    def __init__(self, native: _native.AudioFrame) -> None:
        self._native = native
        self._av = None
        rate = native.sample_rate
        time_base = _TIME_BASES.get(rate)
        if time_base is None:
            time_base = _TIME_BASES[rate] = Fraction(1, rate)
        self.time_base = time_base

    @property
    def sample_rate(self) -> int:
        return self._native.sample_rate

    rate = sample_rate

    @property
    def samples(self) -> int:
        """Samples per channel."""
        return self._native.samples

    @property
    def layout(self) -> AudioLayout:
        channels = self._native.channels
        return _LAYOUTS.get(channels) or AudioLayout(channels)

    @property
    def pts(self) -> int:
        return self._native.pts

    @property
    def time(self) -> float:
        return float(self._native.pts * self.time_base)

    def to_ndarray(self, **kwargs: Any):
        """The samples as a new int16 array of shape (1, samples * channels)."""
        if kwargs:
            return self.to_av().to_ndarray(**kwargs)
        return self._native.to_ndarray()

    def to_av(self):
        """A real ``av.AudioFrame`` with the same samples, pts and time base (needs PyAV)."""
        if self._av is None:
            try:
                import av
            except ImportError:
                raise ImportError("AudioFrame.to_av() needs PyAV: pip install av") from None
            frame = av.AudioFrame.from_ndarray(
                self._native.to_ndarray(), format="s16", layout=self.layout.name
            )
            frame.sample_rate = self._native.sample_rate
            frame.pts = self._native.pts
            frame.time_base = self.time_base
            self._av = frame
        return self._av

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.to_av(), name)

    def __repr__(self) -> str:
        return (
            f"<webrtc.AudioFrame pts={self.pts}, {self.samples} samples at {self.sample_rate}Hz, "
            f"{self.layout.name}, s16 at 0x{id(self):x}>"
        )
