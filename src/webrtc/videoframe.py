"""VideoFrame: a received picture, shaped like ``av.VideoFrame``.

The frame holds the decoder's buffer by reference. Nothing is copied until a conversion is
asked for, and the common ones (``to_ndarray`` in rgb24, bgr24, rgba, bgra, gray or yuv420p,
and ``to_image``) run in C++ with the GIL released, straight into the result. Anything else
``av.VideoFrame`` offers (``planes``, ``reformat``, ``to_rgb``, other formats...) is served by
a real PyAV frame, made on first use (``to_av()``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import _native
from ._pyavframe import PyAVBackedFrame

VIDEO_TIME_BASE = Fraction(1, 90000)

_NATIVE_FORMATS = frozenset(("rgb24", "bgr24", "rgba", "bgra", "gray", "gray8", "yuv420p"))


class VideoFormat:
    """The pixel format, as ``av.VideoFrame.format`` describes it (``.name``)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<VideoFormat {self.name}>"


_YUV420P = VideoFormat("yuv420p")


class VideoFrame(PyAVBackedFrame):
    """A decoded video frame in yuv420p; ``pts`` counts 90 kHz ticks from the first frame."""

    __slots__ = ()

    def __init__(self, native: _native.VideoFrame) -> None:
        super().__init__(native, VIDEO_TIME_BASE)

    format = _YUV420P

    @property
    def width(self) -> int:
        return self._native.width

    @property
    def height(self) -> int:
        return self._native.height

    @property
    def rotation(self) -> int:
        """Degrees the sender asked to rotate by; already applied to width, height and pixels."""
        return self._native.rotation

    def to_ndarray(self, format: str | None = None, **kwargs: Any):
        """The picture as a new numpy array, shaped as PyAV shapes it.

        rgb24/bgr24: (height, width, 3); rgba/bgra: (height, width, 4); gray: (height, width);
        yuv420p (the default): (height * 3 // 2, width)."""
        if format is None:
            format = "yuv420p"
        if not kwargs and format in _NATIVE_FORMATS:
            return self._native.to_ndarray(format)
        return self.to_av().to_ndarray(format=format, **kwargs)

    def to_image(self, **kwargs: Any):
        """The picture as an RGB ``PIL.Image``."""
        if kwargs:
            return self.to_av().to_image(**kwargs)
        from PIL import Image

        # Pillow keeps RGB pixels in 4 bytes: handing it RGBX rows makes its copy a plain one.
        native = self._native
        return Image.frombytes(
            "RGB", (native.width, native.height), native.to_scratch("rgba"), "raw", "RGBX"
        )

    def to_av(self):
        """A real ``av.VideoFrame`` with the same picture, pts and time base (needs PyAV)."""
        return super().to_av()

    def _make_av(self, av: Any):
        width, height = self._native.width, self._native.height
        frame = av.VideoFrame(width, height, "yuv420p")
        data = self._native.to_bytes("yuv420p")
        chroma_width, chroma_height = (width + 1) // 2, (height + 1) // 2
        offset = 0
        for plane, (w, h) in zip(
            frame.planes, ((width, height), (chroma_width, chroma_height), (chroma_width, chroma_height)),
            strict=True,
        ):
            _copy_rows(plane, data, offset, w, h)
            offset += w * h
        return frame

    def __repr__(self) -> str:
        return (
            f"<webrtc.VideoFrame pts={self.pts} yuv420p {self.width}x{self.height} "
            f"at 0x{id(self):x}>"
        )


def _copy_rows(plane: Any, data: bytes, offset: int, width: int, height: int) -> None:
    """Copy packed rows into a PyAV plane, whose rows may be padded."""
    stride = plane.line_size
    if stride == width:
        plane.update(data[offset : offset + width * height])
        return
    view = memoryview(plane)
    for row in range(height):
        start = offset + row * width
        view[row * stride : row * stride + width] = data[start : start + width]
