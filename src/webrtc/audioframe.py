"""AudioFrame: received audio, shaped like ``av.AudioFrame`` (packed s16).

``to_ndarray()`` gives PyAV's packed shape ``(1, samples * channels)``; anything else
``av.AudioFrame`` offers is served by a real PyAV frame, made on first use (``to_av()``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import _native
from ._pyavframe import PyAVBackedFrame


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


class AudioFrame(PyAVBackedFrame):
    """20 ms of audio; ``pts`` counts samples from the first frame (time base 1/sample_rate)."""

    __slots__ = ()

    format = _S16

    def __init__(self, native: _native.AudioFrame) -> None:
        rate = native.sample_rate
        time_base = _TIME_BASES.get(rate)
        if time_base is None:
            time_base = _TIME_BASES[rate] = Fraction(1, rate)
        super().__init__(native, time_base)

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

    def to_ndarray(self, **kwargs: Any):
        """The samples as a new int16 array of shape (1, samples * channels)."""
        if kwargs:
            return self.to_av().to_ndarray(**kwargs)
        return self._native.to_ndarray()

    def to_av(self):
        """A real ``av.AudioFrame`` with the same samples, pts and time base (needs PyAV)."""
        return super().to_av()

    def _make_av(self, av: Any):
        frame = av.AudioFrame.from_ndarray(
            self._native.to_ndarray(), format="s16", layout=self.layout.name
        )
        frame.sample_rate = self._native.sample_rate
        return frame

    def __repr__(self) -> str:
        return (
            f"<webrtc.AudioFrame pts={self.pts}, {self.samples} samples at {self.sample_rate}Hz, "
            f"{self.layout.name}, s16 at 0x{id(self):x}>"
        )
