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
    """Started programs; whatever is still running at the end of the test is killed."""
    started: list[ExampleProcess] = []
    yield started
    for process in started:
        process.kill()


def roles(mode: str, ours: str, other: str) -> dict[str, str]:
    """The mode of each of the two roles: ours in `mode` takes role `ours`, aiortc `other`."""
    return {ours: mode, other: AIORTC}


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
    answerer replies "pong <same µs>", the offerer prints the RTT. Ctrl-C on the offerer
    sends BYE; the answerer prints "Exiting" and ends."""
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
    offerer.interrupt()
    assert offerer.wait() == 0, offerer.transcript()
    answerer.wait_for("Exiting", timeout=10)
    assert answerer.wait() == 0, answerer.transcript()

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
