"""aiortc 1.16.0's own example programs on our engine, against the same programs on the real
aiortc: each in zero-edit mode (``python -m webrtc.aiortc_compat program.py``) and with the
one-line import change. The programs come from aiortc's released sdist (tests/aiortc_examples.py).

The programs signal over TCP on 127.0.0.1. The offerer (or sender) listens once its
description is ready, so it is started first; the other side connects when it first receives.
"""

from __future__ import annotations

import hashlib
import random
import re
import time

import pytest

from aiortc_examples import (
    AIORTC,
    OUR_MODES,
    ExampleProcess,
    examples_or_skip,
    free_port,
    start,
    tcp_signaling,
)

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def examples():
    return examples_or_skip()


@pytest.fixture
def processes():
    """Started programs; whatever is still running at the end of the test is killed. Their
    output is printed (pytest shows it when the test fails)."""
    started: list[ExampleProcess] = []
    yield started
    for process in started:
        process.kill()
        print(process.transcript())


def roles(mode: str, ours: str, other: str) -> dict[str, str]:
    """The mode of each of the two roles: ours in `mode` takes role `ours`, aiortc `other`."""
    return {ours: mode, other: AIORTC}


def interrupt_ours(ours: ExampleProcess, theirs: ExampleProcess) -> None:
    """Ctrl-C on our side, which then says BYE; aiortc's side prints "Exiting" and ends.
    Ctrl-C always goes to ours: on aiortc, a KeyboardInterrupt that lands inside one of its
    tasks can leave its pc.close() waiting for that task forever (seen under load)."""
    ours.interrupt()
    assert ours.wait() == 0, ours.transcript()
    theirs.wait_for("Exiting", timeout=10)


def ours_side(offerer: ExampleProcess, answerer: ExampleProcess, ours: str) -> ExampleProcess:
    return offerer if ours == "offer" else answerer


def aiortc_exit_or_kill(process: ExampleProcess, timeout: float = 10.0) -> None:
    try:
        process.wait(timeout)
    except AssertionError:
        pass  # killed by wait()


def assert_ours_ran_on_compat(process: ExampleProcess, mode: str) -> None:
    """The program on our side never loaded the real aiortc; in zero-edit mode `aiortc`
    was webrtc.aiortc_compat itself."""
    report = process.modules_report()
    assert report["real_aiortc_modules"] == [], report
    if mode == "zero-edit":
        assert report["aiortc_is_compat"], report


@pytest.mark.parametrize("ours", ["offer", "answer"])
@pytest.mark.parametrize("mode", OUR_MODES)
def test_datachannel_cli_pings_and_pongs(examples, processes, tmp_path, mode, ours):
    """datachannel-cli: the offerer sends "ping <µs>" every second on channel "chat", the
    answerer replies "pong <same µs>", the offerer prints the RTT. Ctrl-C on our side sends
    BYE; aiortc's side prints "Exiting" and ends."""
    program = examples / "datachannel-cli" / "cli.py"
    port = free_port()
    mode_of = roles(mode, ours, "answer" if ours == "offer" else "offer")
    offerer = start(mode_of["offer"], program, "offer", *tcp_signaling(port),
                    workdir=tmp_path, name=f"offerer ({mode_of['offer']})")
    processes.append(offerer)
    offerer.wait_listening(port)
    answerer = start(mode_of["answer"], program, "answer", *tcp_signaling(port),
                     workdir=tmp_path, name=f"answerer ({mode_of['answer']})")
    processes.append(answerer)

    pongs = offerer.wait_for(r"channel\(chat\) < pong (\d+)", count=2, timeout=15)
    rtts = offerer.wait_for(r" RTT (\d+\.\d\d) ms", count=2)
    answerer.wait_for(r"channel\(chat\) > pong (\d+)", count=2)
    ours_process, theirs = (offerer, answerer) if ours == "offer" else (answerer, offerer)
    interrupt_ours(ours_process, theirs)
    assert theirs.wait() == 0, theirs.transcript()

    assert offerer.stdout[0] == "channel(chat) - created by local party"
    assert answerer.stdout[0] == "channel(chat) - created by remote party"
    sent = [m.group(1) for m in map(re.compile(r"channel\(chat\) > ping (\d+)").fullmatch,
                                    offerer.stdout) if m]
    received = [m.group(1) for m in map(re.compile(r"channel\(chat\) < ping (\d+)").fullmatch,
                                        answerer.stdout) if m]
    replied = [m.group(1) for m in map(re.compile(r"channel\(chat\) > pong (\d+)").fullmatch,
                                       answerer.stdout) if m]
    # Every ping arrived in order, each was answered with its own stamp, and the pongs that
    # came back are those.
    assert received == sent[: len(received)] and len(received) >= 2
    assert replied == received
    assert [m.group(1) for m in pongs] == replied[:2]
    # Loopback: a round trip of well under a second (the first one includes nothing slow).
    assert all(float(m.group(1)) < 500 for m in rtts), rtts
    for process in (offerer, answerer):
        process.assert_no_traceback()
    assert_ours_ran_on_compat(offerer if ours == "offer" else answerer, mode)


@pytest.mark.parametrize("ours", ["send", "receive"])
@pytest.mark.parametrize("mode", OUR_MODES)
def test_datachannel_filexfer_file_arrives_intact(examples, processes, tmp_path, mode, ours):
    """datachannel-filexfer: the sender (offerer) streams a file in 16 KiB messages paced by
    bufferedamountlow and ends with an empty message; the receiver writes it, prints what it
    got and says BYE. The received file must have the sent one's sha256."""
    program = examples / "datachannel-filexfer" / "filexfer.py"
    source = tmp_path / "source.bin"
    source.write_bytes(random.Random(2024).randbytes(3 * 1024 * 1024 + 12345))
    received_file = tmp_path / "received.bin"
    port = free_port()
    mode_of = roles(mode, ours, "receive" if ours == "send" else "send")
    sender = start(mode_of["send"], program, "send", str(source), *tcp_signaling(port),
                   workdir=tmp_path, name=f"sender ({mode_of['send']})")
    processes.append(sender)
    sender.wait_listening(port)
    receiver = start(mode_of["receive"], program, "receive", str(received_file),
                     *tcp_signaling(port), workdir=tmp_path,
                     name=f"receiver ({mode_of['receive']})")
    processes.append(receiver)

    (summary,) = receiver.wait_for(r"received (\d+) bytes in ([\d.]+) s \(([\d.]+) Mbps\)",
                                   timeout=25)
    sender.wait_for("Exiting", timeout=10)
    assert sender.wait() == 0, sender.transcript()
    receiver.wait_for("Exiting", timeout=10)
    assert receiver.wait() == 0, receiver.transcript()

    assert int(summary.group(1)) == source.stat().st_size
    assert received_file.stat().st_size == source.stat().st_size
    assert (hashlib.sha256(received_file.read_bytes()).hexdigest()
            == hashlib.sha256(source.read_bytes()).hexdigest())
    for process in (sender, receiver):
        process.assert_no_traceback()
    assert_ours_ran_on_compat(sender if ours == "send" else receiver, mode)


# How long the videostream programs stream before the offerer is stopped. Not a wait for a
# condition: the length of the recording under test (the programs print nothing per frame).
RECORD_SECONDS = 3.0

# Where the example's flag is (it is drawn at half size in the middle of 640x480, waved by
# up to 10 pixels), as (row, column) -> RGB.
FLAG_PIXELS = {(240, 200): (0, 0, 255), (240, 320): (255, 255, 255), (240, 440): (255, 0, 0),
               (40, 40): (0, 0, 0), (440, 600): (0, 0, 0)}


# A known failure of our engine as sender (a native change, see below).
OUR_RTP_TIMESTAMPS_JITTER = (
    "aiortc's MP4 muxer refused a non-increasing timestamp (EINVAL): two of our frames landed "
    "on the same 1/30 s tick of its MediaRecorder (our RTP timestamps must follow the pts)"
)


def muxer_refused_timestamps(process: ExampleProcess) -> bool:
    return any("av.error.ArgumentError: Invalid argument" in line for line in process.stderr)


@pytest.mark.parametrize("recorder", ["aiortc", "ours"])
@pytest.mark.parametrize("mode", OUR_MODES)
def test_videostream_cli_records_the_flag(examples, processes, tmp_path, mode, recorder):
    """videostream-cli: both sides send the example's animated flag (its own
    VideoStreamTrack subclass returning PyAV frames, 640x480 at 30 fps); the answerer records
    what it receives with MediaRecorder into an MP4 (H.264). Ours records when it answers,
    aiortc records when ours offers. The recording is read back with PyAV: its frames, their
    size and the flag's colours."""
    import importlib.util

    import av
    import numpy as np

    # The example draws its flag with OpenCV (both sides import it): a test dependency.
    assert importlib.util.find_spec("cv2"), "videostream-cli needs opencv-python-headless"
    program = examples / "videostream-cli" / "cli.py"
    ours = "answer" if recorder == "ours" else "offer"
    mode_of = roles(mode, ours, "offer" if ours == "answer" else "answer")
    recording = tmp_path / "received.mp4"
    port = free_port()
    offerer = start(mode_of["offer"], program, "offer", *tcp_signaling(port),
                    workdir=tmp_path, name=f"offerer ({mode_of['offer']})")
    processes.append(offerer)
    offerer.wait_listening(port)
    answerer = start(mode_of["answer"], program, "answer", "--record-to", str(recording),
                     *tcp_signaling(port), workdir=tmp_path,
                     name=f"answerer ({mode_of['answer']})")
    processes.append(answerer)

    answerer.wait_for("Receiving video", timeout=15)
    offerer.wait_for("Receiving video", timeout=15)
    time.sleep(RECORD_SECONDS)
    # Ctrl-C goes to the offerer, the side that does not record: a KeyboardInterrupt that
    # lands inside the recorder's task (busy encoding) would end the recording instead of
    # stop(). The answerer then stops its recorder on BYE, completing the file, and ends.
    interrupted, recording_side = offerer, answerer
    interrupted.interrupt()
    recording_side.wait_for("Exiting", timeout=10)
    if recorder == "aiortc":
        # aiortc finishes its recording first (recorder.stop()), then closes signaling and
        # its connection. That close has been seen to never return in CI runs, after a
        # complete file: aiortc's exit is not what is tested, its recording is (below).
        aiortc_exit_or_kill(recording_side, timeout=15)
        assert not muxer_refused_timestamps(recording_side), OUR_RTP_TIMESTAMPS_JITTER
    else:
        assert recording_side.wait() == 0, recording_side.transcript()
    recording_side.assert_no_traceback()
    if interrupted is ours_side(offerer, answerer, ours):
        assert interrupted.wait() == 0, interrupted.transcript()
    else:
        # aiortc interrupted: it has said BYE, and its exit is not what is tested (its
        # pc.close() can wait forever for a task the KeyboardInterrupt ended).
        aiortc_exit_or_kill(interrupted)

    with av.open(str(recording)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    # 30 fps for RECORD_SECONDS would be 90. Less the start (the first key frame, the
    # encoder's delay), and our receiver drops the oldest frames when the recorder's loop
    # falls behind (on a loaded machine it does): a steady flow, not every frame.
    assert len(frames) >= 20, len(frames)
    assert all(frame.shape == (480, 640, 3) for frame in frames)
    for frame in (frames[len(frames) // 2], frames[-1]):
        for (row, column), colour in FLAG_PIXELS.items():
            # Lossy twice over (VP8 on the wire, H.264 in the file).
            assert np.abs(frame[row, column].astype(int) - colour).max() <= 40, (
                (row, column), frame[row, column], colour)
    assert_ours_ran_on_compat(offerer if ours == "offer" else answerer, mode)
