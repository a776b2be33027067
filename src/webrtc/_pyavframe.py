"""What VideoFrame and AudioFrame share: native data, a time base, and a real PyAV frame
made on first use for everything they do not implement themselves."""

from __future__ import annotations

from typing import Any


class PyAVBackedFrame:
    __slots__ = ("_native", "_av", "time_base")

    def __init__(self, native: Any, time_base: Any) -> None:
        self._native = native
        self._av = None
        self.time_base = time_base

    @property
    def pts(self) -> int:
        return self._native.pts

    @property
    def time(self) -> float:
        """Seconds since the track's first frame."""
        return float(self._native.pts * self.time_base)

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
            frame.time_base = self.time_base
            self._av = frame
        return self._av

    def _make_av(self, av: Any):
        raise NotImplementedError

    def __getattr__(self, name: str) -> Any:
        # Anything else the PyAV frame has, from the copy.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.to_av(), name)
