"""webrtc.aiortc_compat.contrib.signaling against aiortc 1.16's own contrib.signaling: the same
bytes on the wire, the same objects back, the same roles over TCP and Unix sockets (the side
that sends first listens), BYE on close, the same command-line options."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import sys

import aiortc
import aiortc.contrib.signaling as theirs
import pytest

import webrtc.aiortc_compat as compat
import webrtc.aiortc_compat.contrib.signaling as ours

OFFER_SDP = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"

CANDIDATE_FIELDS = dict(
    component=1, foundation="3c1b6e2f", ip="127.0.0.1", port=50123, priority=2130706431,
    protocol="udp", type="srflx", relatedAddress="10.0.0.2", relatedPort=40000,
    sdpMid="0", sdpMLineIndex=0,
)
TCP_CANDIDATE_FIELDS = dict(
    component=1, foundation="1", ip="127.0.0.1", port=9, priority=1, protocol="tcp",
    type="host", tcpType="active", sdpMid="data", sdpMLineIndex=1,
)

PUBLIC = ["BaseSignaling", "CopyAndPasteSignaling", "TcpSocketSignaling",
          "UnixSocketSignaling", "add_signaling_arguments", "create_signaling",
          "object_from_string", "object_to_string", "BYE", "SignalingBye"]


def same_candidate(a, b) -> bool:
    fields = [*CANDIDATE_FIELDS, "tcpType"]
    return all(getattr(a, name) == getattr(b, name) for name in fields)


def test_every_public_name_with_aiortcs_signature():
    for name in PUBLIC:
        assert hasattr(ours, name), name
        theirs_object, ours_object = getattr(theirs, name), getattr(ours, name)
        if not callable(theirs_object) or name == "SignalingBye":
            continue
        functions = [(name, theirs_object, ours_object)]
        if inspect.isclass(theirs_object):
            functions = [(f"{name}.{method}", getattr(theirs_object, method),
                          getattr(ours_object, method))
                         for method in ("__init__", "connect", "close", "send", "receive")]
        for label, theirs_function, ours_function in functions:
            expected = [(p.name, p.kind, p.default)
                        for p in inspect.signature(theirs_function).parameters.values()]
            got = [(p.name, p.kind, p.default)
                   for p in inspect.signature(ours_function).parameters.values()]
            assert got == expected, label
            assert (inspect.iscoroutinefunction(ours_function)
                    == inspect.iscoroutinefunction(theirs_function)), label
    assert isinstance(ours.BYE, ours.SignalingBye)
    for cls in ("CopyAndPasteSignaling", "TcpSocketSignaling", "UnixSocketSignaling"):
        assert issubclass(getattr(ours, cls), ours.BaseSignaling)
    with pytest.raises(TypeError):
        ours.BaseSignaling()


def test_the_module_is_ours_built_on_our_names():
    real_aiortc = os.path.dirname(os.path.realpath(aiortc.__file__))
    assert not os.path.realpath(ours.__file__).startswith(real_aiortc + os.sep)
    source = inspect.getsource(ours)
    assert "from aiortc" not in source and "import aiortc" not in source
    assert ours.RTCIceCandidate is compat.RTCIceCandidate
    assert ours.RTCSessionDescription is compat.RTCSessionDescription


@pytest.mark.parametrize("fields", [CANDIDATE_FIELDS, TCP_CANDIDATE_FIELDS],
                         ids=["srflx", "tcp"])
def test_candidate_written_as_aiortc_writes_it(fields):
    text = ours.object_to_string(compat.RTCIceCandidate(**fields))
    assert text == theirs.object_to_string(aiortc.RTCIceCandidate(**fields))
    parsed = ours.object_from_string(theirs.object_to_string(aiortc.RTCIceCandidate(**fields)))
    assert isinstance(parsed, compat.RTCIceCandidate)
    assert same_candidate(parsed, compat.RTCIceCandidate(**fields))


def test_descriptions_and_bye_written_as_aiortc_writes_them():
    for kind in ("offer", "answer"):
        text = ours.object_to_string(compat.RTCSessionDescription(sdp=OFFER_SDP, type=kind))
        assert text == theirs.object_to_string(aiortc.RTCSessionDescription(sdp=OFFER_SDP,
                                                                              type=kind))
        assert text == '{"sdp": "' + OFFER_SDP.replace("\r\n", "\\r\\n") + f'", "type": "{kind}"}}'
        assert ours.object_from_string(text) == compat.RTCSessionDescription(OFFER_SDP, kind)
    assert ours.object_to_string(ours.BYE) == theirs.object_to_string(theirs.BYE) == '{"type": "bye"}'
    assert ours.object_from_string('{"type": "bye"}') is ours.BYE


def test_messages_aiortc_does_not_understand_are_refused_alike():
    # An empty candidate (end of candidates) and an unknown type fail an assertion in aiortc.
    for text in ['{"candidate": "", "id": "0", "label": 0, "type": "candidate"}',
                 '{"type": "pranswer", "sdp": ""}']:
        with pytest.raises(AssertionError):
            theirs.object_from_string(text)
        with pytest.raises(AssertionError):
            ours.object_from_string(text)
    with pytest.raises(AssertionError):
        ours.object_to_string("hello")


def test_options_and_defaults_are_aiortcs(tmp_path):
    for argv in ([], ["-s", "tcp-socket", "--signaling-host", "::1", "--signaling-port", "99"],
                 ["--signaling", "unix-socket", "--signaling-path", str(tmp_path / "s")],
                 ["--signaling", "copy-and-paste"]):
        parsers = []
        for module in (ours, theirs):
            parser = argparse.ArgumentParser()
            module.add_signaling_arguments(parser)
            parsers.append(parser)
        ours_args, theirs_args = (parser.parse_args(argv) for parser in parsers)
        assert vars(ours_args) == vars(theirs_args), argv
        assert (type(ours.create_signaling(ours_args)).__name__
                == type(theirs.create_signaling(theirs_args)).__name__)
    parser = argparse.ArgumentParser()
    ours.add_signaling_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--signaling", "carrier-pigeon"])
    tcp = ours.create_signaling(parser.parse_args(["-s", "tcp-socket"]))
    assert isinstance(tcp, ours.TcpSocketSignaling)
    assert (tcp._host, tcp._port) == ("127.0.0.1", 1234)


def stream_pair(kind: str, tmp_path, listener_module, dialer_module):
    """A signaling object of each module for the same socket."""
    if kind == "tcp":
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return (listener_module.TcpSocketSignaling("127.0.0.1", port),
                dialer_module.TcpSocketSignaling("127.0.0.1", port))
    path = str(tmp_path / "signaling.sock")
    return (listener_module.UnixSocketSignaling(path),
            dialer_module.UnixSocketSignaling(path))


async def listening(signaling) -> None:
    """Wait until `signaling` (either module's) has its server socket open."""
    for _ in range(500):
        if signaling._server is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the first sender does not listen")


async def exchange(listener, dialer, listener_module, dialer_module):
    """The examples' conversation: the listener sends an offer first (and so listens), the
    dialer receives it (and so connects), answers with a candidate and a description, and
    the listener's close() says BYE."""
    listener_pkg = compat if listener_module is ours else aiortc
    dialer_pkg = compat if dialer_module is ours else aiortc
    await listener.connect()
    await dialer.connect()
    sending = asyncio.ensure_future(
        listener.send(listener_pkg.RTCSessionDescription(sdp=OFFER_SDP, type="offer")))
    await listening(listener)
    offer = await asyncio.wait_for(dialer.receive(), 5)
    await asyncio.wait_for(sending, 5)
    assert isinstance(offer, dialer_pkg.RTCSessionDescription)
    assert (offer.sdp, offer.type) == (OFFER_SDP, "offer")

    await dialer.send(dialer_pkg.RTCIceCandidate(**CANDIDATE_FIELDS))
    await dialer.send(dialer_pkg.RTCSessionDescription(sdp=OFFER_SDP, type="answer"))
    candidate = await asyncio.wait_for(listener.receive(), 5)
    assert isinstance(candidate, listener_pkg.RTCIceCandidate)
    assert same_candidate(candidate, compat.RTCIceCandidate(**CANDIDATE_FIELDS))
    answer = await asyncio.wait_for(listener.receive(), 5)
    assert (answer.sdp, answer.type) == (OFFER_SDP, "answer")

    await listener.close()
    assert await asyncio.wait_for(dialer.receive(), 5) is dialer_module.BYE
    # Then the stream ends: receive() returns None.
    assert await asyncio.wait_for(dialer.receive(), 5) is None
    await dialer.close()


@pytest.mark.parametrize("kind", ["tcp", "unix"])
@pytest.mark.parametrize("listener_module,dialer_module",
                         [(ours, theirs), (theirs, ours), (ours, ours)],
                         ids=["ours-listens", "aiortc-listens", "ours-both"])
async def test_sockets_talk_to_aiortcs(kind, tmp_path, listener_module, dialer_module):
    listener, dialer = stream_pair(kind, tmp_path, listener_module, dialer_module)
    await exchange(listener, dialer, listener_module, dialer_module)
    if kind == "unix":
        # The listener removes its socket file when it closes.
        assert not (tmp_path / "signaling.sock").exists()


async def test_receive_first_connects_and_fails_with_nobody_listening(tmp_path):
    with pytest.raises((ConnectionRefusedError, FileNotFoundError)):
        await ours.UnixSocketSignaling(str(tmp_path / "nobody.sock")).receive()


async def test_a_second_caller_is_turned_away(tmp_path):
    path = str(tmp_path / "signaling.sock")
    listener, dialer = ours.UnixSocketSignaling(path), ours.UnixSocketSignaling(path)
    sending = asyncio.ensure_future(listener.send(ours.BYE))
    await listening(listener)
    assert await asyncio.wait_for(dialer.receive(), 5) is ours.BYE
    await sending
    reader, writer = await asyncio.open_unix_connection(path)
    assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the listener
    writer.close()
    await listener.close()
    await dialer.close()


async def test_copy_and_paste_prints_and_reads_lines_as_aiortc(monkeypatch, capsys):
    description = compat.RTCSessionDescription(sdp=OFFER_SDP, type="offer")
    outputs = []
    for module, pkg in ((theirs, aiortc), (ours, compat)):
        read_end, write_end = os.pipe()
        monkeypatch.setattr(sys, "stdin", os.fdopen(read_end, "r"))
        signaling = module.CopyAndPasteSignaling()
        await signaling.connect()
        await signaling.send(pkg.RTCSessionDescription(sdp=OFFER_SDP, type="offer"))
        os.write(write_end, (theirs.object_to_string(
            aiortc.RTCIceCandidate(**CANDIDATE_FIELDS)) + "\n").encode())
        received = await asyncio.wait_for(signaling.receive(), 5)
        assert isinstance(received, pkg.RTCIceCandidate)
        assert same_candidate(received, compat.RTCIceCandidate(**CANDIDATE_FIELDS))
        await signaling.close()  # says BYE on stdout
        await signaling.close()  # a second close says nothing
        os.close(write_end)
        sys.stdin.close()
        outputs.append(capsys.readouterr().out)
    assert outputs[1] == outputs[0]
    lines = outputs[1].splitlines()
    assert ours.object_from_string(lines[1]) == description
    assert lines.count('{"type": "bye"}') == 1
