"""VideoFrame: a received picture, shaped like ``av.VideoFrame``.

The frame holds the decoder's buffer by reference. Nothing is copied until a conversion is
asked for, and the common ones (``to_ndarray`` in rgb24, bgr24, rgba, bgra, gray or yuv420p,
and ``to_image``) run in C++ with the GIL released, straight into the result. What user code
reads answers with PyAV's types and values without touching the pixels: ``width``,
``height``, ``format`` (PyAV's own ``VideoFormat``), ``pts``, ``time_base``, ``time``,
``key_frame``, ``pict_type``, ``dts``, ``is_corrupt``. Anything else ``av.VideoFrame``
offers (``planes``, ``reformat``, ``to_rgb``, other formats...) is served by a real PyAV
frame, made on first use (``to_av()``).

It is not a subclass: ``isinstance(frame, av.VideoFrame)`` is False. Code that needs a real
one calls ``frame.to_av()``; ``reformat()`` returns one too, as PyAV's does.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import _native
from ._frameformats import video_format
from ._pyavframe import PyAVBackedFrame

VIDEO_TIME_BASE = Fraction(1, 90000)

_NATIVE_FORMATS = frozenset(("rgb24", "bgr24", "rgba", "bgra", "gray", "gray8", "yuv420p"))


class VideoFrame(PyAVBackedFrame):
    """A decoded video frame in yuv420p; ``pts`` counts 90 kHz ticks from the first frame.

    Not an ``av.VideoFrame`` (``isinstance`` is False); ``to_av()`` gives a real one."""

    __slots__ = ()

    # libwebrtc's decoders do not say which pictures were key frames. PyAV's values for a
    # frame of unknown type: not key, AV_PICTURE_TYPE_NONE (also what aiortc's VP8 gives).
    key_frame = False
    pict_type = 0

    def __init__(self, native: _native.VideoFrame) -> None:
        super().__init__(native, VIDEO_TIME_BASE)

    @property
    def format(self) -> Any:
        """``av.VideoFormat("yuv420p", width, height)``."""
        native = self._native
        return video_format("yuv420p", native.width, native.height)

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

    @property
    def planes(self) -> tuple:
        """PyAV's three planes (Y, U, V), from the ``to_av()`` copy: writing to them changes
        that copy, not this frame."""
        return self.to_av().planes

    def reformat(self, *args: Any, **kwargs: Any):
        """PyAV's ``reformat`` (size, format, colorspace...) of the ``to_av()`` copy: a real
        ``av.VideoFrame`` (the copy itself when nothing changes, as PyAV returns itself)."""
        return self.to_av().reformat(*args, **kwargs)

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
        # libwebrtc's decoders give limited-range pictures, which aiortc's frames say too.
        frame.color_range = 1
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
