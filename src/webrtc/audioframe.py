"""AudioFrame: received audio, shaped like ``av.AudioFrame`` (packed s16).

It answers what user code reads on an ``av.AudioFrame`` with PyAV's types and values:
``format`` and ``layout`` are PyAV's own ``AudioFormat`` / ``AudioLayout`` objects (so
``len(frame.layout.channels)`` is 1 or 2), ``samples``, ``sample_rate``, ``rate``, ``pts``,
``time_base``, ``time``, ``dts``, ``is_corrupt``, ``key_frame``, and ``to_ndarray()`` in
PyAV's packed shape ``(1, samples * channels)``. ``planes`` and anything else
``av.AudioFrame`` offers come from a real PyAV frame, made on first use (``to_av()``).

It is not a subclass: ``isinstance(frame, av.AudioFrame)`` is False. Code that needs a real
one (to hand to an encoder or a resampler, say) calls ``frame.to_av()``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import _native
from ._frameformats import audio_format, audio_layout
from ._pyavframe import PyAVBackedFrame

_TIME_BASES: dict[int, Fraction] = {}


class AudioFrame(PyAVBackedFrame):
    """20 ms of audio; ``pts`` counts samples from the first frame (time base 1/sample_rate).

    Not an ``av.AudioFrame`` (``isinstance`` is False); ``to_av()`` gives a real one."""

    __slots__ = ()

    # Every frame out of an audio decoder stands alone; FFmpeg's decoders flag each as key.
    key_frame = True

    def __init__(self, native: _native.AudioFrame) -> None:
        rate = native.sample_rate
        time_base = _TIME_BASES.get(rate)
        if time_base is None:
            time_base = _TIME_BASES[rate] = Fraction(1, rate)
        super().__init__(native, time_base)

    @property
    def format(self) -> Any:
        """``av.AudioFormat("s16")``: packed signed 16-bit samples."""
        return audio_format("s16")

    @property
    def layout(self) -> Any:
        """``av.AudioLayout``: "mono" (1 channel) or "stereo" (2)."""
        return audio_layout(self._native.channels)

    @property
    def sample_rate(self) -> int:
        return self._native.sample_rate

    rate = sample_rate

    @property
    def samples(self) -> int:
        """Samples per channel."""
        return self._native.samples

    @property
    def planes(self) -> tuple:
        """PyAV's planes (one, packed), from the ``to_av()`` copy: writing to them changes
        that copy, not this frame."""
        return self.to_av().planes

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
        frame.key_frame = True
        return frame

    def __repr__(self) -> str:
        return (
            f"<webrtc.AudioFrame pts={self.pts}, {self.samples} samples at {self.sample_rate}Hz, "
            f"{self.layout.name}, s16 at 0x{id(self):x}>"
        )
