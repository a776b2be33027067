"""Fuzz target: frames made from arbitrary buffers and shapes, and what a sending track's
frames go through.

Input: a mode byte (MODES), then what that mode reads. The entry points:
- "yuv420p-frame": _native.VideoFrame.from_yuv420p(data, width, height, rotation, pts),
  then webrtc.VideoFrame's conversions (to_ndarray in every format, to_image, to_av) and
  the sender's VideoFeeder;
- "video-array": a numpy array of any dtype, shape and strides as a video track's recv()
  may return it, through the sender's VideoFeeder;
- "pyav-video": an av.VideoFrame of any pixel format and size through the VideoFeeder;
- "pyav-audio": an av.AudioFrame of any sample format, layout, size and rate through the
  AudioFeeder;
- "audio-source" and "video-source": the native sources' push() with arbitrary buffers,
  rates, formats, sizes and strides (what the feeders call).

Documented: ValueError or TypeError for what cannot be sent or converted (PyAV's own errors
are subclasses of ValueError); a uint8 (height, width, 3 or 4) array of any strides is
accepted, so is any frame PyAV could make, from 1x1 to 16384x16384, in a format FFmpeg's
scaler reads ("cannot convert a ..." otherwise), and conversions have the sizes they
promise.
"""

from __future__ import annotations

import sys
from typing import Any

import av
import numpy

from _fuzzinput import FuzzInput
from _harness import Finding, ResourceWatch, check_refusal, instrumented, main

with instrumented(__file__):
    import webrtc
    from webrtc import _native
    from webrtc._mediapump import AudioFeeder, VideoFeeder

MODES = ("yuv420p-frame", "video-array", "pyav-video", "pyav-audio", "audio-source",
         "video-source")
REFUSALS = (ValueError, TypeError)
MAX_SIDE = 256          # pictures are small unless the input asks for a large one
LARGE_SIDES = (1080, 1920, 4096, 16384)
MAX_BYTES = 1 << 24     # no array or buffer beyond this
NATIVE_FORMATS = ("rgb24", "bgr24", "rgba", "bgra", "gray", "gray8", "yuv420p")
DTYPES = ("uint8", "int8", "uint16", ">u2", "int32", "float32", "float64", "bool",
          "complex64", "int64", "V3")
VIDEO_FORMATS = ("rgb24", "bgr24", "rgba", "bgra", "argb", "gray", "gray16le", "yuv420p",
                 "yuvj420p", "nv12", "yuv444p", "yuv422p", "rgb48le", "gbrp", "yuyv422",
                 "rgbaf32le")
AUDIO_FORMATS = ("s16", "s16p", "s32", "flt", "fltp", "dbl", "u8", "s64")
# Not "7.1": PyAV 18.1 crashes on planar frames of 8 channels (to_ndarray of a fresh
# av.AudioFrame(format="fltp", layout="7.1", samples=1044) reads a ninth plane).
AUDIO_LAYOUTS = ("mono", "stereo", "2.1", "quad", "5.1")
RATES = (0, 1, 7999, 8000, 11025, 16000, 22050, 44100, 48000, 96000, 2**31 - 1)
SOURCE_FORMATS = ("yuv420p", "nv12", "rgb24", "bgr24", "rgba", "bgra", "gray", "", "bogus")

VIDEO_SOURCE = _native.VideoSource("fuzz-video")
AUDIO_SOURCE = _native.AudioSource("fuzz-audio")  # keeps 1 s at most: pushes never pile up
video_feeder = VideoFeeder(VIDEO_SOURCE)
audio_feeder = AudioFeeder(AUDIO_SOURCE)
watch = ResourceWatch()


def side(reader: FuzzInput) -> int:
    value = reader.int_in(0, 65535)
    if value > 65535 - len(LARGE_SIDES):
        return LARGE_SIDES[65535 - value]
    return value % (MAX_SIDE + 1)


def filled(raw: bytes, size: int) -> bytes:
    """`size` bytes: `raw` repeated (zeros if it is empty)."""
    if size <= 0:
        return b""
    if not raw:
        return bytes(size)
    return (raw * (size // len(raw) + 1))[:size]


def fits(width: int, height: int) -> bool:
    """Within the sizes a source takes ("frame size must be from 1x1 to 16384x16384")."""
    return 1 <= width <= 16384 and 1 <= height <= 16384


def expect_refusal(exc: BaseException, where: str, exact: bool = True) -> None:
    check_refusal(exc, REFUSALS, where, exact=exact)


# ---- the entry points ----


def yuv420p_frame(reader: FuzzInput) -> None:
    width, height = side(reader), side(reader)
    rotation = reader.choice((0, 90, 180, 270, 45, -90, 360))
    pts = reader.choice((0, 1, 2**31, 2**63 - 1, -1, 2**64))
    exact_size = reader.flag()
    raw = reader.rest()
    size = width * height + 2 * ((width + 1) // 2) * ((height + 1) // 2)
    data = filled(raw, size) if exact_size and size <= MAX_BYTES else raw
    try:
        native = _native.VideoFrame.from_yuv420p(data, width, height, rotation, pts)
    except Exception as exc:
        expect_refusal(exc, "VideoFrame.from_yuv420p")
        return
    frame = webrtc.VideoFrame(native)
    expected = (width, height) if rotation in (0, 180) else (height, width)
    if (frame.width, frame.height) != expected:
        raise Finding(f"{width}x{height} rotated {rotation} is {frame.width}x{frame.height}")
    convert(frame)
    try:
        video_feeder.push(frame)
    except Exception as exc:
        raise Finding(f"the feeder refused our own frame: {exc!r}") from exc


def convert(frame: Any) -> None:
    """Every conversion webrtc.VideoFrame has, checked for the size it promises."""
    h, w = frame.height, frame.width
    shapes = {"rgb24": (h, w, 3), "bgr24": (h, w, 3), "rgba": (h, w, 4), "bgra": (h, w, 4),
              "gray": (h, w), "gray8": (h, w), "yuv420p": (h * 3 // 2, w)}
    for name in NATIVE_FORMATS:
        try:
            array = frame.to_ndarray(format=name)
        except Exception as exc:
            # PyAV's layout refuses odd sizes for yuv420p (tests/test_video_frame.py).
            if name == "yuv420p" and (w % 2 or h % 2) and type(exc) is ValueError:
                continue
            raise Finding(f"to_ndarray({name}) of a {w}x{h} frame raised {exc!r}") from exc
        if array.shape != shapes[name] or array.dtype != numpy.uint8:
            raise Finding(f"to_ndarray({name}) of {w}x{h}: {array.dtype} {array.shape}")
    frame.format, frame.time, frame.pts, repr(frame)
    if w * h > 512 * 512:
        return  # PyAV's copies of large pictures only cost time
    if frame.to_image().size != (w, h):
        raise Finding(f"to_image() of {w}x{h} is {frame.to_image().size}")
    try:
        copy = frame.to_av()
    except Exception as exc:
        expect_refusal(exc, "to_av()", exact=False)
        return
    if (copy.width, copy.height) != (w, h):
        raise Finding(f"to_av() of {w}x{h} is {copy.width}x{copy.height}")
    try:
        frame.to_ndarray(format="yuv444p")  # served by the PyAV copy
    except Exception as exc:
        expect_refusal(exc, "to_ndarray(yuv444p)", exact=False)


def video_array(reader: FuzzInput) -> None:
    dtype = numpy.dtype(reader.choice(DTYPES))
    shape = tuple(side(reader) % 65 if reader.byte() < 250 else side(reader)
                  for _ in range(reader.int_in(0, 4)))
    layout = reader.choice(("c", "fortran", "sliced", "reversed", "broadcast", "read-only"))
    raw = reader.rest()
    count = int(numpy.prod(shape, dtype=numpy.int64)) if shape else 1
    if count * dtype.itemsize * 2 > MAX_BYTES:
        return
    array = numpy.frombuffer(filled(raw, count * dtype.itemsize), dtype).reshape(shape).copy()
    if layout == "fortran":
        array = numpy.asfortranarray(array)
    elif layout == "sliced" and array.ndim:
        array = numpy.concatenate([array, array], axis=0)[::2]  # every other row: strided
    elif layout == "reversed" and array.ndim:
        array = array[::-1]
    elif layout == "broadcast" and array.ndim:
        array = numpy.broadcast_to(array[:1], array.shape)  # stride 0 on the first axis
    elif layout == "read-only":
        array.flags.writeable = False
    acceptable = (array.dtype == numpy.uint8 and array.ndim == 3 and array.shape[2] in (3, 4)
                  and fits(array.shape[1], array.shape[0]))
    try:
        video_feeder.push(array)
    except Exception as exc:
        if acceptable:
            raise Finding(f"a {layout} uint8 array of shape {array.shape} was refused: {exc!r}") from exc
        expect_refusal(exc, f"VideoFeeder.push({array.dtype} {array.shape})")


def pyav_video(reader: FuzzInput) -> None:
    name = reader.choice(VIDEO_FORMATS)
    width, height = side(reader), side(reader)
    raw = reader.rest()
    if width * height * 16 > MAX_BYTES:
        return
    try:
        template = av.VideoFrame(width=width, height=height, format=name).to_ndarray()
        pixels = numpy.frombuffer(filled(raw, template.nbytes), template.dtype).reshape(template.shape)
        frame = av.VideoFrame.from_ndarray(pixels, format=name)
    except Exception:
        return  # PyAV would not make this frame: nothing of ours to test
    try:
        video_feeder.push(frame)
    except Exception as exc:
        unconvertible = type(exc) is ValueError and str(exc).startswith("cannot convert a ")
        if fits(width, height) and not unconvertible:
            raise Finding(f"a {name} {width}x{height} PyAV frame was refused: {exc!r}") from exc
        expect_refusal(exc, f"VideoFeeder.push({name} {width}x{height})")


def pyav_audio(reader: FuzzInput) -> None:
    name = reader.choice(AUDIO_FORMATS)
    layout = reader.choice(AUDIO_LAYOUTS)
    samples = reader.int_in(0, 65535) % 4097
    rate = reader.choice(RATES)
    raw = reader.rest()
    try:
        template = av.AudioFrame(format=name, layout=layout, samples=samples).to_ndarray()
        data = numpy.frombuffer(filled(raw, template.nbytes), template.dtype).reshape(template.shape)
        if data.dtype.kind == "f":
            data = numpy.nan_to_num(data)  # PyAV's resampler is not ours to test on NaN
        frame = av.AudioFrame.from_ndarray(data, format=name, layout=layout)
        frame.sample_rate = rate
    except Exception:
        return  # PyAV would not make this frame
    try:
        audio_feeder.push(frame)
    except Exception as exc:
        if rate == 0 and type(exc) is ValueError:
            return  # "the audio frame has no sample_rate"
        # PyAV's resampler refuses some rates and layouts with its own ValueErrors.
        expect_refusal(exc, f"AudioFeeder.push({name} {layout} {samples} at {rate})", exact=False)


def audio_source(reader: FuzzInput) -> None:
    rate = reader.choice(RATES + (-8000, 2**40))
    channels = reader.choice((0, 1, 2, 3, 8, -1, 2**33))
    kind = reader.choice(("bytes", "int16", "float32", "odd-strides", "str", "none"))
    raw = reader.sized(1 << 16)
    data: Any = raw
    if kind == "int16":
        data = numpy.frombuffer(raw[: len(raw) // 2 * 2], numpy.int16)
    elif kind == "float32":
        data = numpy.frombuffer(raw[: len(raw) // 4 * 4], numpy.float32)
    elif kind == "odd-strides":
        data = numpy.frombuffer(raw[: len(raw) // 2 * 2], numpy.int16)[::3]
    elif kind == "str":
        data = raw.decode("latin-1")
    elif kind == "none":
        data = None
    try:
        AUDIO_SOURCE.push(data, rate, channels)
    except Exception as exc:
        expect_refusal(exc, f"AudioSource.push({kind}, {rate}, {channels})")


def video_source(reader: FuzzInput) -> None:
    name = reader.choice(SOURCE_FORMATS)
    width, height = side(reader), side(reader)
    planes = [reader.sized(1 << 16) for _ in range(reader.int_in(0, 4))]
    strides = [reader.choice((0, 1, -1, width, 2 * width, 3 * width, 4 * width, (width + 1) // 2,
                              2**31, 2**40))
               for _ in range(reader.int_in(0, 4))]
    rotation = reader.choice((0, 90, 180, 270, 45))
    try:
        VIDEO_SOURCE.push(name, width, height, planes, strides, rotation)
    except Exception as exc:
        expect_refusal(exc, f"VideoSource.push({name!r} {width}x{height}, {len(planes)} planes)")


ENTRY_POINTS = {"yuv420p-frame": yuv420p_frame, "video-array": video_array,
                "pyav-video": pyav_video, "pyav-audio": pyav_audio,
                "audio-source": audio_source, "video-source": video_source}


def TestOneInput(data: bytes) -> None:
    reader = FuzzInput(data)
    ENTRY_POINTS[MODES[reader.byte() % len(MODES)]](reader)
    watch.tick()


def seeds() -> dict[str, bytes]:
    """Hand-made inputs: a valid picture or sound for each entry point."""
    def two(value: int) -> bytes:
        return value.to_bytes(2, "big")

    def dims(*sides: int) -> bytes:
        return b"".join(b"\x00" + two(value) for value in sides)

    gradient = bytes(range(256))
    return {
        "yuv420p-64x48": b"\x00" + two(64) + two(48) + b"\x00\x00\x01" + gradient,
        "yuv420p-odd-rotated": b"\x00" + two(5) + two(3) + b"\x01\x00\x01" + gradient,
        "video-array-rgb-sliced": b"\x01\x00\x03" + dims(48, 64, 3) + b"\x02" + gradient,
        "video-array-rgba-reversed": b"\x01\x00\x03" + dims(12, 16, 4) + b"\x03" + gradient,
        "video-array-float": b"\x01\x05\x03" + dims(8, 8, 3) + b"\x00" + gradient,
        "pyav-video-rgb24": b"\x02\x00" + two(64) + two(48) + gradient,
        "pyav-video-nv12": b"\x02\x09" + two(32) + two(16) + gradient,
        "pyav-video-yuv444p": b"\x02\x0a" + two(17) + two(9) + gradient,
        "pyav-audio-s16-stereo": b"\x03\x00\x01" + two(960) + b"\x08" + gradient,
        "pyav-audio-fltp-5.1-44100": b"\x03\x04\x03" + two(1024) + b"\x07" + gradient,
        "audio-source-int16": b"\x04\x08\x02\x01" + two(1920) + gradient * 8,
        "video-source-rgb24": (b"\x05\x02" + two(16) + two(8) + b"\x01" + two(384)
                               + (gradient * 2)[:384] + b"\x01\x05\x00"),
    }


if __name__ == "__main__":
    sys.exit(main(TestOneInput))
