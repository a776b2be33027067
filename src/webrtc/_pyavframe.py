"""What VideoFrame and AudioFrame share: native data, a time base, the timing attributes
PyAV frames have, and a real PyAV frame made on first use for everything they do not
implement themselves."""

from __future__ import annotations

from typing import Any

from ._frameformats import pyav_rational


class PyAVBackedFrame:
    __slots__ = ("_native", "_av", "_time_base")

    def __init__(self, native: Any, time_base: Any) -> None:
        self._native = native
        self._av = None
        self._time_base = time_base

    @property
    def time_base(self) -> Any:
        """As PyAV gives it: a ``Fraction``, or PyAV's own rational type (PyAV 19 and later)
        once PyAV is imported."""
        return pyav_rational(self._time_base)

    @time_base.setter
    def time_base(self, value: Any) -> None:
        self._time_base = value

    @property
    def pts(self) -> int:
        return self._native.pts

    @property
    def time(self) -> float | None:
        """Seconds since the track's first frame (``pts * time_base``, as PyAV computes it)."""
        time_base = self._time_base
        if time_base is None:
            return None
        # PyAV's formula, so the float is the same to the last bit.
        return float(self._native.pts) * time_base.numerator / time_base.denominator

    # A decoded frame carries no decoding timestamp of its own, and libwebrtc hands on only
    # frames it decoded: PyAV's values for such frames.
    dts = None
    is_corrupt = False

    def to_av(self):
        """A real PyAV frame with the same content, pts and time base (needs PyAV)."""
        if self._av is None:
            try:
                import av
            except ImportError:
                raise ImportError(
                    f"{type(self).__name__}.to_av() needs PyAV: pip install av"
                ) from None
            frame = self._make_av(av)
            frame.pts = self._native.pts
            frame.time_base = self._time_base
            self._av = frame
        return self._av

    def _make_av(self, av: Any):
        raise NotImplementedError

    def __getattr__(self, name: str) -> Any:
        # Anything else the PyAV frame has, from the copy.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.to_av(), name)
