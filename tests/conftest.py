"""Shared fixtures. Every networked test runs inside a network namespace that has only `lo`
(scripts/test.sh does that), so nothing can leave 127.0.0.1."""

from __future__ import annotations

import asyncio
import http.server
import importlib.util
import os
import re
import shutil
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Callable

import pytest

import webrtc
import webrtc.aiortc_compat

# A job started in the background by a non-interactive shell (`cmd &`, as some CI runners
# do) inherits SIGINT ignored, and so would every program the tests start, which then
# cannot be stopped with Ctrl-C as the example tests do. A handler, unlike SIG_IGN, is
# reset to the default in a child by exec.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

NON_LOOPBACK = [name for _, name in socket.if_nameindex() if name != "lo"]
if NON_LOOPBACK and os.environ.get("WEBRTC_TESTS_OUTSIDE_NETNS") != "1":
    raise pytest.UsageError(
        f"tests must run in a loopback-only network namespace (found {NON_LOOPBACK}); "
        "use scripts/test.sh"
    )

webrtc.allow_loopback()

# aiortc (through cryptography and cffi) and OpenCV have no wheels for free-threaded CPython:
# there, the test modules that use them (directly or through our aiortc-based helpers) are
# left out, and the run says which.
_PEER_IMPORT = re.compile(r"^\s*(?:from|import) (aiortc|cv2|media_sources|test_send_aiortc)\b", re.M)
_NEEDS = {"aiortc": "aiortc", "cv2": "cv2", "media_sources": "aiortc", "test_send_aiortc": "aiortc"}
_MISSING = {name for name in ("aiortc", "cv2") if importlib.util.find_spec(name) is None}
_UNAVAILABLE = {
    path.name for path in Path(__file__).parent.glob("test_*.py")
    if {_NEEDS[module] for module in _PEER_IMPORT.findall(path.read_text())} & _MISSING
} if _MISSING else set()

# WEBRTC_SMOKE=1 (scripts/test.sh sets it for interpreters other than Debian's): only the
# loopback, data channel and media smoke tests.
SMOKE_TESTS = {"test_rtcpeerconnection.py", "test_rtcdatachannel.py", "test_bad_input.py",
               "test_engine_lifetime.py", "test_media_chromium.py", "test_video_frame.py",
               "test_send_api.py", "test_send_chromium.py", "test_stubs.py",
               "test_free_threading.py"}
_SMOKE = os.environ.get("WEBRTC_SMOKE") == "1"


def _left_out(name: str) -> bool:
    return name in _UNAVAILABLE or (
        _SMOKE and name.startswith("test_") and name.endswith(".py") and name not in SMOKE_TESTS)


def pytest_ignore_collect(collection_path, config):
    return True if _left_out(collection_path.name) else None


def pytest_collection_modifyitems(config, items):
    # pytest collects the files named on its command line whatever pytest_ignore_collect
    # says: their tests are deselected here instead.
    left_out = [item for item in items if _left_out(item.path.name)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not _left_out(item.path.name)]


def pytest_report_header(config):
    shown = _UNAVAILABLE & SMOKE_TESTS if _SMOKE else _UNAVAILABLE
    if _MISSING:
        return f"left out for want of {', '.join(sorted(_MISSING))} here: " + " ".join(sorted(shown))


@pytest.fixture(autouse=True)
def aiortc_on_loopback(monkeypatch):
    """aiortc gathers nothing in a namespace with only lo unless told to use 127.0.0.1."""
    if "aiortc" in _MISSING:
        return
    import aioice.ice

    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


async def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Poll until predicate() holds, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.005)


from webrtc.demo import connect as connect_trickle  # noqa: E402, F401  (W3C, trickle ICE)


async def gather_complete(pc) -> None:
    await wait_for(lambda: pc.iceGatheringState == "complete", what="ICE gathering")


async def connect_full(offerer, answerer) -> None:
    """Negotiation with complete descriptions (aiortc style). Works for any mix of peers:
    webrtc W3C peers wait for gathering before their description is passed on."""
    import webrtc as w3c

    async def set_local(pc, description):
        await pc.setLocalDescription(description)
        if type(pc) is w3c.RTCPeerConnection:
            await gather_complete(pc)

    await set_local(offerer, await offerer.createOffer())
    await answerer.setRemoteDescription(offerer.localDescription)
    await set_local(answerer, await answerer.createAnswer())
    await offerer.setRemoteDescription(answerer.localDescription)


def event_track(module, event):
    """The track a `track` event announced: aiortc passes the track, W3C an RTCTrackEvent."""
    return event if module is webrtc.aiortc_compat else event.track


def configuration(module, **kwargs):
    """An RTCConfiguration with no STUN server (nothing to reach from the namespace)."""
    kwargs.setdefault("iceServers", [])
    return module.RTCConfiguration(**kwargs)


def peer_pair(module, closing, **kwargs):
    """Two connections of `module` (webrtc or webrtc.aiortc_compat), closed after the test."""
    a = module.RTCPeerConnection(configuration(module, **kwargs))
    b = module.RTCPeerConnection(configuration(module, **kwargs))
    closing(a)
    closing(b)
    return a, b


@pytest.fixture
async def closing():
    """Collects peer connections and closes them after the test."""
    peers = []
    yield peers.append
    for pc in peers:
        await pc.close()


# ---- headless Chromium as a browser peer (Debian's chromium, driven by Playwright) ----

PAGE = Path(__file__).with_name("chromium_peer.html").read_bytes()
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]


class PageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def page_url():
    # Served on 127.0.0.1: a secure context, so the page may ask for (fake) media.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture
async def browser_page(page_url):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed (scripts/setup.sh installs it)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = await browser.new_page()
        await page.goto(page_url)
        yield page
        await browser.close()
