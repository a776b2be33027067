"""Receiving media from headless Chromium: its fake camera and microphone, and a canvas
drawing a known pattern encoded as VP8 or VP9 (aiortc has no VP9 encoder).

Chromium encodes its canvas in BT.709 full range and says so in the stream: the pattern's
colors come back right only when the conversion honours that."""

from __future__ import annotations

import asyncio
import itertools

import numpy as np
import pytest

import webrtc
from webrtc import aiortc_compat as compat
from conftest import configuration, event_track, gather_complete
from patterns import QUADRANTS, quadrant_centers

LAYERS = [pytest.param(webrtc, id="w3c"), pytest.param(compat, id="compat")]
peer_ids = itertools.count()


async def receive_from_browser(page, module, closing, spec):
    peer = f"m{next(peer_ids)}"
    await page.evaluate("id => makePeer(id)", peer)
    pc = module.RTCPeerConnection(configuration(module))
    closing(pc)
    tracks = {}

    @pc.on("track")
    def on_track(event):
        track = event_track(module, event)
        tracks[track.kind] = track

    offer = await page.evaluate("([id, spec]) => makeMediaOffer(id, spec)", [peer, spec])
    await pc.setRemoteDescription(module.RTCSessionDescription(sdp=offer, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    await gather_complete(pc)
    await page.evaluate("([id, sdp]) => acceptAnswer(id, sdp)", [peer, pc.localDescription.sdp])
    return pc, tracks


@pytest.mark.parametrize("module", LAYERS)
async def test_camera_and_microphone(closing, browser_page, module):
    pc, tracks = await receive_from_browser(
        browser_page, module, closing, {"camera": True, "microphone": True, "width": 640, "height": 480}
    )
    assert sorted(tracks) == ["audio", "video"]
    video, audio = tracks["video"], tracks["audio"]
    sizes = []
    for _ in range(60):
        frame = await asyncio.wait_for(video.recv(), 15)
        sizes.append((frame.width, frame.height))
        if sizes[-1] == (640, 480):
            break
    assert sizes[-1] == (640, 480), sizes
    picture = frame.to_ndarray(format="rgb24")
    assert picture.shape == (480, 640, 3) and picture.std() > 5  # not a flat picture
    # Chromium's fake microphone beeps: about 1.5 s of audio holds sound.
    frames = [await asyncio.wait_for(audio.recv(), 10) for _ in range(75)]
    assert all(f.sample_rate == 48000 and f.samples == 960 for f in frames)
    samples = np.concatenate([f.to_ndarray()[0] for f in frames])
    assert np.abs(samples.astype(int)).max() > 1000, "silence"


# (Kr, Kb) of the two matrices a decoder might pick.
MATRICES = {"bt709": (0.2126, 0.0722), "bt601": (0.299, 0.114)}
# The quadrants' colors land within this of what was drawn; every wrong reading of
# Chromium's BT.709 full-range stream (BT.601, or limited range: about 13 to 46 levels on
# some quadrant) misses by more.
TOLERANCE = 8


def yuv_to_rgb(yuv: np.ndarray, matrix: str, full_range: bool) -> np.ndarray:
    """Reference conversion of (..., 3) Y, U, V values to RGB, in float."""
    kr, kb = MATRICES[matrix]
    y, u, v = (yuv[..., i].astype(float) for i in range(3))
    if full_range:
        u, v = u - 128, v - 128
    else:
        y, u, v = (y - 16) * 255 / 219, (u - 128) * 255 / 224, (v - 128) * 255 / 224
    r = y + 2 * (1 - kr) * v
    b = y + 2 * (1 - kb) * u
    g = (y - kr * r - kb * b) / (1 - kr - kb)
    return np.clip(np.stack([r, g, b], axis=-1), 0, 255)


def center_yuv(frame, width: int, height: int) -> np.ndarray:
    """Y, U, V at each quadrant's center, from the decoded planes (no color conversion)."""
    planes = frame.to_ndarray(format="yuv420p")
    y = planes[:height]
    u = planes[height:height + height // 4].reshape(height // 2, width // 2)
    v = planes[height + height // 4:].reshape(height // 2, width // 2)
    return np.array([(y[r, c], u[r // 2, c // 2], v[r // 2, c // 2])
                     for r, c in quadrant_centers(width, height)])


@pytest.mark.parametrize("codec", ["video/VP8", "video/VP9"])
async def test_canvas_pattern(closing, browser_page, codec):
    pc, tracks = await receive_from_browser(
        browser_page, compat, closing, {"canvas": True, "width": 320, "height": 240, "codec": codec}
    )
    video = tracks["video"]
    for _ in range(20):
        frame = await asyncio.wait_for(video.recv(), 15)
    assert (frame.width, frame.height) == (320, 240)
    rgb = frame.to_ndarray(format="rgb24")
    got = np.array([rgb[r, c] for r, c in quadrant_centers(320, 240)]).astype(int)
    expected = np.array(QUADRANTS)
    assert np.abs(got - expected).max() <= TOLERANCE, (codec, got.tolist())
    # The same planes read as BT.709 full range give our pixels (within rounding), and the
    # tolerance above does tell the readings apart: each wrong one misses somewhere.
    yuv = center_yuv(frame, 320, 240)
    assert np.abs(yuv_to_rgb(yuv, "bt709", True) - got).max() <= 3
    for matrix, full_range in (("bt709", False), ("bt601", True), ("bt601", False)):
        wrong = yuv_to_rgb(yuv, matrix, full_range)
        assert np.abs(wrong - expected).max() > TOLERANCE + 3, (matrix, full_range, wrong)
    stats = await pc.getStats()
    mime_types = {getattr(s, "mimeType", None) for s in stats.values()}
    assert codec in mime_types
