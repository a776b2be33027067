"""VideoFrame conversions on pictures built from known planes: colors against PyAV's own
conversion, rotation, layouts, and bad arguments. (Frames received from real peers are
checked in test_media_aiortc.py and test_media_chromium.py.)"""

from __future__ import annotations

import av
import numpy as np
import pytest

import webrtc
from webrtc import _native


def frame_from_rgb(rgb: np.ndarray, rotation: int = 0) -> tuple[webrtc.VideoFrame, av.VideoFrame]:
    """Our frame and PyAV's, from the same yuv420p planes (PyAV converts the RGB picture)."""
    reference = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
    planes = reference.to_ndarray(format="yuv420p")
    height, width = rgb.shape[:2]
    native = _native.VideoFrame.from_yuv420p(planes.tobytes(), width, height, rotation, 3000)
    return webrtc.VideoFrame(native), reference


def test_colors_match_pyav():
    rng = np.random.default_rng(7)
    rgb = np.repeat(np.repeat(rng.integers(0, 256, (36, 64, 3), dtype=np.uint8), 2, 0), 2, 1)
    frame, reference = frame_from_rgb(rgb)
    assert (frame.width, frame.height, frame.pts) == (128, 72, 3000)
    ours, theirs = frame.to_ndarray(format="rgb24"), reference.to_ndarray(format="rgb24")
    assert np.abs(ours.astype(int) - theirs).max() <= 3  # libyuv and swscale round apart
    assert np.array_equal(frame.to_ndarray(format="bgr24"), ours[..., ::-1])
    assert np.abs(frame.to_ndarray(format="gray").astype(int)
                  - reference.to_ndarray(format="gray")).max() <= 1
    assert np.array_equal(frame.to_ndarray(format="yuv420p"), reference.to_ndarray(format="yuv420p"))


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_is_applied(rotation):
    rgb = np.zeros((48, 64, 3), np.uint8)
    rgb[:16, :16] = (250, 250, 250)  # a white block in the top-left corner
    upright, _ = frame_from_rgb(rgb)
    frame, _ = frame_from_rgb(rgb, rotation)
    assert frame.rotation == rotation
    expected = np.rot90(upright.to_ndarray(format="rgb24"), k=-rotation // 90)  # clockwise
    assert (frame.width, frame.height) == (expected.shape[1], expected.shape[0])
    for fmt in ("rgb24", "rgba", "gray"):
        got = frame.to_ndarray(format=fmt)
        assert got.shape[:2] == expected.shape[:2]
    assert np.abs(frame.to_ndarray(format="rgb24").astype(int) - expected).max() <= 2
    assert frame.to_image().size == (frame.width, frame.height)
    assert frame.to_av().width == frame.width


def test_large_frames_split_across_threads_convert_whole():
    # 1080p takes the two-thread path: both halves must be written, rows in place.
    rgb = np.zeros((1080, 1920, 3), np.uint8)
    rgb[:, :, 0] = np.linspace(0, 255, 1080, dtype=np.uint8)[:, None]
    frame, reference = frame_from_rgb(rgb)
    ours = frame.to_ndarray(format="rgb24")
    assert np.abs(ours.astype(int) - reference.to_ndarray(format="rgb24")).max() <= 2
    image = np.asarray(frame.to_image())
    assert np.abs(image.astype(int) - ours).max() <= 1


def test_odd_sizes():
    frame = webrtc.VideoFrame(_native.VideoFrame.from_yuv420p(bytes(5 * 3 + 2 * 3 * 2), 5, 3))
    assert frame.to_ndarray(format="rgb24").shape == (3, 5, 3)
    with pytest.raises(ValueError):
        frame.to_ndarray(format="yuv420p")  # PyAV refuses odd sizes for this layout too


def test_bad_planes_are_refused():
    with pytest.raises(ValueError):
        _native.VideoFrame.from_yuv420p(b"short", 64, 48)
    with pytest.raises(ValueError):
        _native.VideoFrame.from_yuv420p(bytes(64 * 48 * 3 // 2), 64, 48, rotation=45)
    with pytest.raises(ValueError):
        _native.VideoFrame.from_yuv420p(b"", 0, 0)
    with pytest.raises(TypeError):
        _native.VideoFrame.from_yuv420p("not bytes", 64, 48)
    frame = webrtc.VideoFrame(_native.VideoFrame.from_yuv420p(bytes(64 * 48 * 3 // 2), 64, 48))
    with pytest.raises(ValueError):
        frame._native.to_ndarray("bogus")
    with pytest.raises(ValueError):
        frame.to_ndarray(format="bogus")  # PyAV's own error for formats it does not know
