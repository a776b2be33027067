"""aiortc.contrib.signaling: how aiortc's example programs hand descriptions and candidates
to each other.

Every message is one JSON object on one line, in aiortc 1.16's format, so a program on our
engine and one on aiortc can signal to each other:

- a description: ``{"sdp": ..., "type": "offer" | "answer"}``;
- a candidate: ``{"candidate": "candidate:<attribute value>", "id": sdpMid, "label":
  sdpMLineIndex, "type": "candidate"}``;
- goodbye: ``{"type": "bye"}``.

Over a socket, nobody is told who listens: the side whose first call is ``send()`` listens and
waits for the other side, whose first ``receive()`` connects. In the example programs the
offerer sends first, so it has to be started first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from abc import ABC, abstractmethod
from typing import Callable, Union

from ..rtcicetransport import RTCIceCandidate
from ..rtcsessiondescription import RTCSessionDescription
from ..sdp import candidate_from_sdp, candidate_to_sdp


class SignalingBye:
    """The type of `BYE`: the message saying the other side is leaving."""


BYE = SignalingBye()

SignalingObject = Union[RTCSessionDescription, RTCIceCandidate, SignalingBye]

# The prefix of a candidate message's "candidate" field (an SDP attribute, name included).
_CANDIDATE_ATTRIBUTE = "candidate:"


def object_from_string(message_str: str) -> SignalingObject:
    """The description, candidate or `BYE` that one line of JSON carries.

    As in aiortc, a candidate message with an empty candidate (end of candidates) is not
    understood: like any type other than offer, answer, candidate and bye, it fails an
    assertion."""
    message = json.loads(message_str)
    kind = message["type"]
    if kind in ("offer", "answer"):
        return RTCSessionDescription(sdp=message["sdp"], type=kind)
    if kind == "candidate" and message["candidate"]:
        _, _, attribute_value = message["candidate"].partition(":")
        candidate = candidate_from_sdp(attribute_value)
        candidate.sdpMid = message["id"]
        candidate.sdpMLineIndex = message["label"]
        return candidate
    assert kind == "bye", f"not a signaling message: {message_str!r}"
    return BYE


def object_to_string(obj: SignalingObject) -> str:
    """One line of JSON (no newline) for a description, a candidate or `BYE`."""
    message: dict[str, object]
    if isinstance(obj, RTCSessionDescription):
        message = {"sdp": obj.sdp, "type": obj.type}
    elif isinstance(obj, RTCIceCandidate):
        message = {
            "candidate": _CANDIDATE_ATTRIBUTE + candidate_to_sdp(obj),
            "id": obj.sdpMid,
            "label": obj.sdpMLineIndex,
            "type": "candidate",
        }
    else:
        assert obj is BYE, f"cannot signal {obj!r}"
        message = {"type": "bye"}
    # Sorted keys: the bytes aiortc writes for the same object.
    return json.dumps(message, sort_keys=True)


class BaseSignaling(ABC):
    """A way to exchange signaling objects with the other side."""

    @abstractmethod
    async def connect(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def send(self, descr: SignalingObject) -> None: ...

    @abstractmethod
    async def receive(self) -> SignalingObject | None: ...


class CopyAndPasteSignaling(BaseSignaling):
    """Signaling through a human: messages to send are printed on stdout, received ones are
    typed (pasted) on stdin, one line each."""

    def __init__(self) -> None:
        self._read_pipe = sys.stdin
        self._write_pipe = sys.stdout
        self._reader: asyncio.StreamReader | None = None
        self._read_transport: asyncio.ReadTransport | None = None

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        self._read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), self._read_pipe
        )
        self._reader = reader

    async def close(self) -> None:
        if self._reader is None:
            return
        await self.send(BYE)
        if self._read_transport is not None:
            self._read_transport.close()
        self._reader = None
        self._read_transport = None

    async def receive(self) -> SignalingObject | None:
        assert self._reader is not None, "connect() first"
        # The prompts are aiortc's, word for word: people follow them.
        print("-- Please enter a message from remote party --")
        line = await self._reader.readline()
        print()
        return object_from_string(line.decode(self._read_pipe.encoding))

    async def send(self, descr: SignalingObject) -> None:
        print("-- Please send this message to the remote party --")
        self._write_pipe.write(object_to_string(descr) + "\n")
        self._write_pipe.flush()
        print()


# What a listening socket calls for each connection it accepts.
_OnConnection = Callable[[asyncio.StreamReader, asyncio.StreamWriter], None]


class _StreamSignaling(BaseSignaling):
    """Messages over one stream socket, one per line. Which side listens follows from the
    first call: send() listens and waits for the other side; receive() connects."""

    def __init__(self) -> None:
        self._server: asyncio.AbstractServer | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @abstractmethod
    async def _listen(self, on_connection: _OnConnection) -> asyncio.AbstractServer: ...

    @abstractmethod
    async def _dial(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]: ...

    async def _open(self, *, listen: bool) -> None:
        if self._writer is not None:
            return
        if not listen:
            self._reader, self._writer = await self._dial()
            return
        peer: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]]
        peer = asyncio.get_running_loop().create_future()

        def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if peer.done():
                # One peer per signaling channel; a second caller is turned away.
                writer.close()
            else:
                peer.set_result((reader, writer))

        self._server = await self._listen(on_connection)
        self._reader, self._writer = await peer

    async def connect(self) -> None:
        """Nothing yet: the first send() or receive() opens the socket (see the class)."""

    async def send(self, descr: SignalingObject) -> None:
        await self._open(listen=True)
        assert self._writer is not None
        self._writer.write(object_to_string(descr).encode("utf8") + b"\n")

    async def receive(self) -> SignalingObject | None:
        """The next object, or None once the other side has closed the socket."""
        await self._open(listen=False)
        assert self._reader is not None
        try:
            line = await self._reader.readuntil(b"\n")
        except asyncio.IncompleteReadError:
            return None
        return object_from_string(line.decode("utf8"))

    async def close(self) -> None:
        if self._writer is not None:
            await self.send(BYE)
            self._writer.close()
            self._reader = None
            self._writer = None
        if self._server is not None:
            self._server.close()
            self._server = None
            self._closed_server()

    def _closed_server(self) -> None:
        """Clean-up after the listening socket is closed."""


class TcpSocketSignaling(_StreamSignaling):
    """Signaling over TCP: the first side to send listens on host:port."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__()
        self._host = host
        self._port = port

    async def _listen(self, on_connection: _OnConnection) -> asyncio.AbstractServer:
        return await asyncio.start_server(on_connection, host=self._host, port=self._port)

    async def _dial(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(host=self._host, port=self._port)


class UnixSocketSignaling(_StreamSignaling):
    """Signaling over a Unix socket: the first side to send listens at `path`."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self._path = path

    async def _listen(self, on_connection: _OnConnection) -> asyncio.AbstractServer:
        return await asyncio.start_unix_server(on_connection, path=self._path)

    async def _dial(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_unix_connection(self._path)

    def _closed_server(self) -> None:
        # From Python 3.13 on, asyncio removes the socket file when the server closes.
        if sys.version_info < (3, 13):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)


def add_signaling_arguments(parser: argparse.ArgumentParser) -> None:
    """Add aiortc's signaling options to `parser`: --signaling/-s, --signaling-host,
    --signaling-port and --signaling-path, with aiortc's defaults."""
    parser.add_argument(
        "--signaling", "-s", choices=["copy-and-paste", "tcp-socket", "unix-socket"]
    )
    parser.add_argument(
        "--signaling-host", default="127.0.0.1", help="host to listen on or connect to (tcp-socket)"
    )
    # No type: as in aiortc, a port given on the command line stays a str (asyncio takes it).
    parser.add_argument(
        "--signaling-port", default=1234, help="port to listen on or connect to (tcp-socket)"
    )
    parser.add_argument(
        "--signaling-path", default="aiortc.socket", help="socket file (unix-socket)"
    )


def create_signaling(args: argparse.Namespace) -> BaseSignaling:
    """The signaling that options added by `add_signaling_arguments` ask for; copy and paste
    unless another is named."""
    if args.signaling == "tcp-socket":
        return TcpSocketSignaling(args.signaling_host, args.signaling_port)
    if args.signaling == "unix-socket":
        return UnixSocketSignaling(args.signaling_path)
    return CopyAndPasteSignaling()


__all__ = [
    "BYE",
    "BaseSignaling",
    "CopyAndPasteSignaling",
    "SignalingBye",
    "TcpSocketSignaling",
    "UnixSocketSignaling",
    "add_signaling_arguments",
    "create_signaling",
    "object_from_string",
    "object_to_string",
]
