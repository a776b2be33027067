"""Headless Chromium receives what our Python tracks send: its own getStats() shows video
decoded at the size we sent and audio with energy."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

import webrtc
from webrtc import aiortc_compat as compat
from conftest import configuration, gather_complete
from send_sources import quadrant_track, tone_track

LAYERS = [pytest.param(webrtc, id="w3c"), pytest.param(compat, id="compat")]
peer_ids = itertools.count()


@pytest.mark.parametrize("module", LAYERS)
async def test_chromium_receives_our_video_and_audio(closing, browser_page, module):
    peer = f"s{next(peer_ids)}"
    await browser_page.evaluate("id => makePeer(id)", peer)
    pc = module.RTCPeerConnection(configuration(module))
    closing(pc)
    pc.addTrack(quadrant_track(module, 640, 480))
    pc.addTrack(tone_track(module, 440.0))
    await pc.setLocalDescription(await pc.createOffer())
    await gather_complete(pc)
    answer = await browser_page.evaluate("([id, sdp]) => answerMedia(id, sdp)",
                                         [peer, pc.localDescription.sdp])
    await pc.setRemoteDescription(module.RTCSessionDescription(sdp=answer, type="answer"))
    deadline = time.monotonic() + 20
    while True:
        stats = await browser_page.evaluate("id => inboundStats(id)", peer)
        video, audio = stats.get("video", {}), stats.get("audio", {})
        done = ((video.get("framesDecoded") or 0) >= 60 and (audio.get("totalAudioEnergy") or 0) > 0
                and (module is webrtc or video.get("frameWidth") == 640))
        if done or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.25)
    assert video.get("framesDecoded", 0) >= 60, stats
    if module is compat:
        assert (video["frameWidth"], video["frameHeight"]) == (640, 480), stats
    else:
        # libwebrtc's own start: a smaller size, with the aspect ratio kept.
        assert video["frameWidth"] * 3 == video["frameHeight"] * 4, stats
    assert audio.get("totalSamplesReceived", 0) > 48000 * 0.5, stats
    assert audio.get("totalAudioEnergy", 0) > 0.001, stats
