"""End to end, the agent pattern of our first users (neko_agent, aiortc-notes §5).

tests/agent_pattern/server.py is a fake Neko server: a websocket signaling server whose peer
is the real aiortc, offering audio, moving video and a data channel, trickling its
candidates, and naming a STUN server it runs in its offer's ``iceservers``.
tests/agent_pattern/client.py is an agent written against aiortc's API the way neko_agent
is. Each runs as its own process (in zero-edit mode the agent's process must not hold the
real aiortc, and the server's must). The agent runs on our engine, either unchanged through
``python -m webrtc.aiortc_compat`` or with its aiortc imports changed to
``webrtc.aiortc_compat``. Both print ``RESULT {json}`` lines with what they saw."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiortc_examples import AIORTC, IMPORT_CHANGE, ZERO_EDIT, start

PROGRAMS = Path(__file__).resolve().parent / "agent_pattern"
MARKER_RANGE = 320 - 24  # where the server's marker can be (server.py)


def run_agent_against_fake_neko(mode: str, workdir: Path) -> tuple[dict, dict, dict]:
    """(what the agent saw, what the server saw, the agent's module report)."""
    server = start(AIORTC, PROGRAMS / "server.py", workdir=workdir, name="fake-neko")
    agent = None
    try:
        (listening,) = server.wait_for(r"listening (\d+)", timeout=30)
        url = f"ws://127.0.0.1:{listening.group(1)}/api/ws?token=agent"
        agent = start(mode, PROGRAMS / "client.py", url, workdir=workdir, name="agent")
        (agent_result,) = agent.wait_for(r"RESULT (.*)", timeout=90)
        (server_result,) = server.wait_for(r"RESULT (.*)", timeout=30)
        assert agent.wait(20) == 0, agent.transcript()
        assert server.wait(20) == 0, server.transcript()
        agent.assert_no_traceback()
        server.assert_no_traceback()
        return (json.loads(agent_result.group(1)), json.loads(server_result.group(1)),
                agent.modules_report())
    finally:
        for process in (agent, server):
            if process is not None:
                process.kill()


@pytest.mark.parametrize("mode", [IMPORT_CHANGE, ZERO_EDIT])
def test_neko_agent_pattern_end_to_end(tmp_path, mode):
    seen, neko, modules = run_agent_against_fake_neko(mode, tmp_path)
    assert "error" not in neko, neko["error"]

    # Our engine ran the agent, and the real aiortc never entered its process.
    assert seen["aiortc_module"] == "webrtc.aiortc_compat"
    assert modules["real_aiortc_modules"] == []
    assert modules["aiortc_is_compat"] is (mode == ZERO_EDIT)
    assert seen["stream_track_kinds"] == ["video", "audio"]

    # Signaling as neko_agent does it.
    assert neko["request"] == {"video": {}, "audio": {}}
    assert seen["ice_servers"] == [[f"stun:127.0.0.1:{neko['stun_port']}"]]
    assert neko["stun_requests"] >= 1  # the ICE server from the offer reached the engine
    assert seen["offer_had_candidates"] is False
    assert seen["tracks_when_setRemoteDescription_returned"] == ["audio", "video"]
    assert seen["audio_set_inactive"] is True
    # The voice reuses the audio section just set inactive: it sends only.
    assert seen["directions_before_answer"] == [["audio", "sendonly"], ["video", "recvonly"]]
    trickled = neko["trickled"]["before_offer"] + neko["trickled"]["after_offer"]
    assert seen["early_candidates"] + seen.get("late_candidates", 0) == trickled
    assert seen["candidates_added"] == trickled and seen["candidate_errors"] == []
    assert seen["after_setLocalDescription"] == {
        "iceGatheringState": "complete", "signalingState": "stable",
        "candidates": seen["after_setLocalDescription"]["candidates"],
        "answer_had_candidates": False,
    }
    assert seen["after_setLocalDescription"]["candidates"] >= 1
    assert neko["answer"]["type"] == "answer"
    assert neko["answer"]["candidates"] == seen["after_setLocalDescription"]["candidates"]
    assert neko["answer"]["directions"] == {"audio": "sendonly", "video": "recvonly"}
    assert "candidates_from_agent" not in neko  # everything is in the answer
    assert seen["icecandidate_events"] == 0

    # States in aiortc's vocabulary.
    assert "connected" in seen["connection_states"] and "failed" not in seen["connection_states"]
    assert "completed" in seen["ice_states"]
    assert not {"connected", "disconnected"} & set(seen["ice_states"])
    assert "connected" in neko["connection_states"]

    # Video: frames read as neko_agent's frame source reads them, with the right content.
    assert seen["frames"] >= 30 and seen["frame_errors"] == []
    assert seen["quadrants_ok"] >= 0.9 * seen["frames"]
    markers = [x for x in seen["markers"] if x is not None]
    assert len(markers) >= 0.9 * len(seen["markers"])
    steps = [(b - a) % MARKER_RANGE for a, b in zip(markers, markers[1:])]
    assert len(set(markers)) >= 10  # the picture moves
    assert sum(0 < step < MARKER_RANGE // 2 for step in steps) >= 0.8 * len(steps)  # rightwards
    for check in seen["ndarray_checks"]:
        assert check == {
            "shape": [240, 320, 3], "dtype": "uint8", "image_mode": "RGB",
            "image_size": [320, 240], "format": "yuv420p", "time_base": "1/90000",
            "differs_from_image": check["differs_from_image"],
        }
        assert check["differs_from_image"] < 2  # to_image() and to_ndarray() agree

    # The data channels: Neko's "data" arrives open with its message; the dummy one opens.
    assert seen["remote_channels"] == ["data"] and seen["messages"] == ["hello from neko"]
    assert neko["agent_channels"] == [
        {"label": "neko-dummy", "ordered": False, "maxRetransmits": 0, "readyState": "open"}]
    assert seen["dummy_channel"] == {"readyState": "open", "id_set": True}

    # The never-sleeping voice: 4 s of 440 Hz arrive in about 4 s, not in a burst (aiortc
    # sends it several times faster than real time). Three processes share the machine's
    # cores here, and an event loop held up past the native buffer's 60 ms plays silence,
    # which stretches the wall time: the upper bound is looser than the in-process test's
    # (test_send_aiortc.py, 0.9 to 1.1).
    voice = neko["voice"]
    assert 3.6 < voice["tone_seconds"] < 4.4, voice
    assert 0.75 < voice["tone_seconds"] / voice["wall_seconds"] < 1.12, voice
    assert abs(voice["frequency"] - 440) < 10, voice
    assert seen["speech_pulls"] * 0.02 <= seen["seconds"] + 1  # pulled at real time

    assert seen["after_close"] == {"connectionState": "closed", "speech": "ended"}
