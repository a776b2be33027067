"""aiortc 1.16.0's ``server`` example (``examples/server/``: server.py, index.html and
client.js, from aiortc's released sdist, see tests/aiortc_examples.py) served on our engine,
its page driven by headless Chromium.

Chromium does what a user of the page does: it ticks "Use datachannel", "Use audio" and "Use
video", picks a video transform and clicks Start. Its client.js makes the offer with the fake
camera and microphone, server.py answers it on our engine, sends the camera's video back
through its OpenCV transform and Chromium's pings back as pongs. "Use STUN server" stays off,
so every candidate is 127.0.0.1 and nothing leaves the machine.

Chromium's fake camera draws a green picture with a bright square in each corner, a clock and
a turning pie. Each transform changes that in a way a few pixel counts tell apart (see
`assert_transformed`), read from the page's own <video> element through a canvas.
"""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import io
import re
import time

import numpy as np
import pytest
from PIL import Image

import webrtc
from webrtc import aiortc_compat as compat
from conftest import configuration, connect_full, wait_for
from send_sources import quadrant_track, tone_track
from aiortc_examples import (
    IMPORT_CHANGE,
    ZERO_EDIT,
    ExampleProcess,
    examples_or_skip,
    free_port,
    start,
)

pytestmark = pytest.mark.timeout(60)

# Video and pongs must be there this many seconds after Start is clicked.
DEADLINE = 20.0

PLAYBACK = """() => {
  const video = document.getElementById('video');
  return {
    currentTime: video.currentTime,
    frames: video.getVideoPlaybackQuality().totalVideoFrames,
    width: video.videoWidth,
    height: video.videoHeight,
    log: document.getElementById('data-channel').textContent,
  };
}"""

# The picture the <video> element shows now, as a PNG data URL.
PICTURE = """() => {
  const video = document.getElementById('video');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d').drawImage(video, 0, 0);
  return canvas.toDataURL('image/png');
}"""

# client.js keeps its RTCPeerConnection in the global `pc`.
INBOUND_STATS = """async () => {
  const out = {};
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp') {
      out[s.kind] = {packetsReceived: s.packetsReceived, framesDecoded: s.framesDecoded,
                     frameWidth: s.frameWidth, totalAudioEnergy: s.totalAudioEnergy};
    } else if (s.type === 'data-channel') {
      out.channel = {state: s.state, messagesSent: s.messagesSent,
                     messagesReceived: s.messagesReceived};
    }
  });
  return out;
}"""


@pytest.fixture
def examples():
    # server.py serves with aiohttp and transforms with OpenCV: test dependencies.
    for module, package in (("aiohttp", "aiohttp"), ("cv2", "opencv-python-headless")):
        assert importlib.util.find_spec(module), f"aiortc's server example needs {package}"
    return examples_or_skip()


@pytest.fixture
def processes():
    """Started programs; whatever is still running at the end of the test is killed."""
    started: list[ExampleProcess] = []
    yield started
    for process in started:
        process.kill()


async def picture(page) -> np.ndarray:
    url = await page.evaluate(PICTURE)
    png = base64.b64decode(url.split(",", 1)[1])
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"))


def pongs(log: str) -> list[str]:
    """The pongs in the page's data channel log that answer a ping it logged as sent."""
    pinged = set(re.findall(r"^> ping (\d+)$", log, re.M))
    return [n for n in re.findall(r"^< pong (\d+)$", log, re.M) if n in pinged]


def measures(image: np.ndarray) -> dict[str, float]:
    pixels = image.astype(int)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    corner = 8  # the fake camera's corner squares are 40 pixels wide
    corners = [pixels[:corner, :corner], pixels[:corner, -corner:],
               pixels[-corner:, :corner], pixels[-corner:, -corner:]]
    return {
        # Nearly black pixels.
        "dark": float((pixels.max(axis=2) < 40).mean()),
        # Nearly white pixels.
        "white": float((pixels.min(axis=2) > 128).mean()),
        # Pixels of the camera's green.
        "green": float(((g > r + 40) & (g > b + 40)).mean()),
        # How far the channels are apart on average (0 for a gray picture).
        "chroma": float(np.abs(pixels - pixels.mean(axis=2, keepdims=True)).max(axis=2).mean()),
        # Corners of the picture that are black.
        "dark_corners": float(sum(patch.max() < 40 for patch in corners)),
    }


def assert_transformed(transform: str, pictures: list[np.ndarray]) -> None:
    found = [measures(image) for image in pictures]
    if transform == "none":
        # The camera's picture as it was: green, lit corners, nothing black.
        assert all(m["green"] > 0.8 and m["dark_corners"] == 0 and m["dark"] < 0.002
                   for m in found), found
    elif transform == "edges":
        # Canny's edges drawn white on black, in gray: the green is gone.
        assert all(m["dark"] > 0.9 and m["chroma"] < 8 and m["white"] > 0.002 for m in found), found
    elif transform == "cartoon":
        # Flat colours kept (the green), outlined in black where the camera has edges.
        assert all(m["green"] > 0.8 and 0.005 < m["dark"] < 0.2 for m in found), found
    elif transform == "rotate":
        # Turned by 45 degrees a second about the centre: the green picture stays, and its
        # lit corners turn away, leaving black ones, except near 0 and 180 degrees (at most
        # one of pictures 0.5 s apart).
        assert all(m["green"] > 0.5 and m["chroma"] > 40 for m in found), found
        assert sum(m["dark_corners"] >= 2 for m in found) >= len(found) - 1, found
    else:
        raise ValueError(transform)


def assert_answered_by_libwebrtc(answer: str) -> None:
    """libwebrtc puts one DTLS fingerprint in each media section; aiortc puts three."""
    sections = answer.split("\nm=")[1:]
    assert [s.split(" ", 1)[0] for s in sections] == ["audio", "video", "application"], answer
    assert all(s.count("a=fingerprint:") == 1 for s in sections), answer


# Every transform in zero-edit mode; the import change resolves names differently, not
# frames, so two transforms suffice there.
CASES = [(ZERO_EDIT, transform) for transform in ("none", "edges", "rotate", "cartoon")] + [
    (IMPORT_CHANGE, "edges"), (IMPORT_CHANGE, "cartoon")]


@pytest.mark.parametrize(("mode", "transform"), CASES)
async def test_server_example_answers_chromium(
    examples, processes, browser_page, tmp_path, mode, transform
):
    port = free_port()
    server = start(mode, examples / "server" / "server.py", "--host", "127.0.0.1",
                   "--port", str(port), workdir=tmp_path, name="server")
    processes.append(server)
    await asyncio.to_thread(
        server.wait_for, rf"=+ Running on http://127\.0\.0\.1:{port} =+", timeout=15)

    page = browser_page
    alerts: list[str] = []  # client.js reports every failure with alert()

    def on_dialog(dialog) -> None:
        alerts.append(dialog.message)
        asyncio.ensure_future(dialog.dismiss())

    page.on("dialog", on_dialog)
    await page.goto(f"http://127.0.0.1:{port}/")
    assert not await page.is_checked("#use-stun")
    await page.check("#use-datachannel")
    await page.check("#use-audio")
    await page.check("#use-video")
    await page.select_option("#video-transform", transform)
    await page.click("#start")
    started = time.monotonic()

    # Video playing and two pings answered.
    while True:
        state = await page.evaluate(PLAYBACK)
        if state["frames"] >= 30 and len(pongs(state["log"])) >= 2:
            break
        assert not alerts, f"{alerts}\n{server.transcript()}"
        if time.monotonic() - started > DEADLINE:
            stats = await page.evaluate(INBOUND_STATS)
            raise AssertionError(f"after {DEADLINE} s: {state}\nChromium's inbound streams: "
                                 f"{stats}\n{server.transcript()}")
        await asyncio.sleep(0.25)
    # The camera's 640x480, or less: under CPU load Chromium scales what it sends down, and
    # the transforms keep the size they get.
    assert state["width"] >= 160 and state["width"] * 3 == state["height"] * 4, state

    # The picture keeps coming: a second of playback later, more frames and more time.
    await asyncio.sleep(1.0)
    later = await page.evaluate(PLAYBACK)
    assert later["frames"] - state["frames"] >= 5, (state, later)
    assert later["currentTime"] - state["currentTime"] >= 0.8, (state, later)

    pictures = []
    for _ in range(3):
        pictures.append(await picture(page))
        await asyncio.sleep(0.5)
    assert_transformed(transform, pictures)

    # The audio answer: server.py plays its demo-instruct.wav (speech) through MediaPlayer,
    # and the page's <audio> element plays it.
    stats = await page.evaluate(INBOUND_STATS)
    assert stats.get("audio", {}).get("packetsReceived", 0) > 0, stats
    assert stats["audio"].get("totalAudioEnergy", 0) > 0.01, stats
    assert not alerts, alerts
    assert_answered_by_libwebrtc(await page.inner_text("#answer-sdp"))

    # Ctrl-C with the call up: aiohttp's shutdown closes the connection, the program exits.
    server.interrupt()
    assert await asyncio.to_thread(server.wait) == 0, server.transcript()
    server.assert_no_traceback()
    report = server.modules_report()
    assert report["real_aiortc_modules"] == [], report
    if mode == ZERO_EDIT:
        assert report["aiortc_is_compat"], report


async def test_tracks_added_in_the_track_handler_reach_the_offerer_in_one_stream(closing):
    """server.py's pattern without a browser: the answerer adds its tracks inside its
    `track` handler, and the offerer's `track` events carry them in one stream, as aiortc's
    answer puts them (client.js shows `event.streams[0]`; with no stream it shows nothing)."""
    offerer = webrtc.RTCPeerConnection(configuration(webrtc))
    answerer = compat.RTCPeerConnection(configuration(compat))
    closing(offerer)
    closing(answerer)
    offerer.addTransceiver("audio")
    offerer.addTransceiver("video")
    replies = {"audio": tone_track(compat), "video": quadrant_track(compat, 320, 240)}
    answerer.on("track", lambda track: answerer.addTrack(replies[track.kind]))
    events = []
    offerer.on("track", events.append)
    await connect_full(offerer, answerer)
    await wait_for(lambda: len(events) == 2, what="two track events")
    assert sorted(event.track.kind for event in events) == ["audio", "video"]
    stream_ids = {tuple(stream.id for stream in event.streams) for event in events}
    assert len(stream_ids) == 1 and len(next(iter(stream_ids))) == 1, stream_ids
    (stream_id,), = stream_ids
    msids = re.findall(r"^a=msid:(\S+) ", answerer.localDescription.sdp, re.M)
    assert msids == [stream_id, stream_id], answerer.localDescription.sdp
