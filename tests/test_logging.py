"""Logger names: webrtc.aiortc_compat logs under aiortc's (so that code tuning
``logging.getLogger("aiortc")`` keeps working), the W3C layer under ``webrtc.*``; state
changes are logged at debug level, as aiortc logs them."""

from __future__ import annotations

import asyncio
import logging
import os

import numpy as np
import pytest

import webrtc
from webrtc import aiortc_compat as compat
from conftest import connect_full, peer_pair, wait_for

PACKAGE_DIR = os.path.dirname(webrtc.__file__) + os.sep


def ours(caplog) -> list[logging.LogRecord]:
    """The records our package wrote (aiortc itself may log in this process too)."""
    return [r for r in caplog.records if r.pathname.startswith(PACKAGE_DIR)]


def messages(records, logger: str) -> list[str]:
    return [r.getMessage() for r in records if r.name == logger]


def has(lines: list[str], *words: str) -> bool:
    return any(all(word in line for word in words) for line in lines)


async def connected_pair_with_channel(module, closing):
    a, b = peer_pair(module, closing)
    channel = a.createDataChannel("chat")
    await connect_full(a, b)
    await wait_for(lambda: channel.readyState == "open", 20, "channel open")
    # The transport views exist once asked for; their later changes are logged.
    assert a.sctp.transport.iceTransport is not None
    return a, b, channel


async def test_compat_logs_state_changes_under_aiortc_names(closing, caplog):
    caplog.set_level(logging.DEBUG)
    a, b, channel = await connected_pair_with_channel(compat, closing)
    await a.close()
    await wait_for(lambda: b.connectionState == "closed", 10, "remote side closed")
    records = ours(caplog)
    assert records
    assert {r.name.split(".")[0] for r in records} == {"aiortc"}, {r.name for r in records}
    assert all(r.levelno == logging.DEBUG for r in records)
    pc = messages(records, "aiortc.rtcpeerconnection")
    for state in ("connecting", "connected", "closed"):
        assert has(pc, "connectionState", f"is now {state}"), pc
    # aiortc's vocabulary: ICE goes to "completed", never "connected".
    assert has(pc, "iceConnectionState", "is now checking")
    assert has(pc, "iceConnectionState", "is now completed")
    assert not has(pc, "iceConnectionState", "is now connected")
    for state in ("have-local-offer", "have-remote-offer", "stable", "closed"):
        assert has(pc, "signalingState", f"is now {state}"), pc
    assert has(pc, "iceGatheringState", "is now complete")
    channels = messages(records, "aiortc.rtcdatachannel")
    assert has(channels, "'chat'", "is now open") and has(channels, "'chat'", "is now closed")
    assert has(messages(records, "aiortc.rtcdtlstransport"), "is now closed")
    assert has(messages(records, "aiortc.rtcicetransport"), "is now closed")
    assert has(messages(records, "aiortc.rtcsctptransport"), "is now closed")


async def test_w3c_logs_under_webrtc_names(closing, caplog):
    caplog.set_level(logging.DEBUG)
    a, b, channel = await connected_pair_with_channel(webrtc, closing)
    await a.close()
    records = ours(caplog)
    assert {r.name.split(".")[0] for r in records} == {"webrtc"}, {r.name for r in records}
    pc = messages(records, "webrtc.rtcpeerconnection")
    assert has(pc, "connectionState", "is now connected")
    assert has(pc, "iceConnectionState", "is now connected")  # the W3C vocabulary
    assert has(messages(records, "webrtc.rtcdatachannel"), "'chat'", "is now open")


async def test_tuning_the_aiortc_logger_tunes_compat(closing, caplog):
    caplog.set_level(logging.DEBUG)
    aiortc_logger = logging.getLogger("aiortc")
    level = aiortc_logger.level
    try:
        aiortc_logger.setLevel(logging.WARNING)  # what neko_agent does
        a, b, _ = await connected_pair_with_channel(compat, closing)
        # A candidate for a media section that does not exist: ignored, with a warning.
        candidate = compat.RTCIceCandidate(
            component=1, foundation="1", ip="127.0.0.1", port=9, priority=1, protocol="udp",
            type="host", sdpMid="99")
        await a.addIceCandidate(candidate)
        records = ours(caplog)
        assert [r.levelno for r in records] == [logging.WARNING], [r.getMessage() for r in records]
        assert records[0].name == "aiortc.rtcpeerconnection"
        assert "candidate ignored" in records[0].getMessage()
        caplog.clear()
        aiortc_logger.setLevel(logging.ERROR)
        await a.addIceCandidate(candidate)
        await a.close()
        assert ours(caplog) == []
    finally:
        aiortc_logger.setLevel(level)


@pytest.mark.parametrize("module,logger", [(webrtc, "webrtc.rtcrtpsender"),
                                           (compat, "aiortc.rtcrtpsender")],
                         ids=["w3c", "compat"])
async def test_a_failing_sent_track_is_logged_under_the_layer_s_name(closing, caplog,
                                                                     module, logger):
    caplog.set_level(logging.WARNING)

    class Crashing(module.MediaStreamTrack):
        kind = "video"

        def __init__(self) -> None:
            super().__init__()
            self.frames = 0

        async def recv(self):
            await asyncio.sleep(1 / 30)
            self.frames += 1
            if self.frames > 5:
                raise RuntimeError("the renderer crashed")
            return np.full((120, 160, 3), 200, np.uint8)

    a, b = peer_pair(module, closing)
    track = Crashing()
    a.addTrack(track)
    await connect_full(a, b)
    await wait_for(lambda: track.readyState == "ended", 20, "the track stopped")
    warnings = [r for r in ours(caplog) if r.levelno == logging.WARNING]
    assert [r.name for r in warnings] == [logger]
    assert "failed and was stopped" in warnings[0].getMessage()
    assert "the renderer crashed" in str(warnings[0].exc_info[1])
