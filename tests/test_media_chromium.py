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
from media_sources import QUADRANTS, quadrant_centers

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
    for (row, column), expected in zip(quadrant_centers(320, 240), QUADRANTS, strict=True):
        got = rgb[row, column].astype(int)
        assert np.all(np.abs(got - expected) <= 25), (codec, got, expected)
    stats = await pc.getStats()
    mime_types = {getattr(s, "mimeType", None) for s in stats.values()}
    assert codec in mime_types
