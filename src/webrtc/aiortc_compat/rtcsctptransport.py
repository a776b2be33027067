"""aiortc.rtcsctptransport: the SCTP association of a connection, with aiortc's names.

libwebrtc's dcSCTP runs the association; ``start``/``stop`` raise InvalidStateError (the
connection owns it). The ``datachannel`` event fires here too when the remote side opens
a channel, as in aiortc.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

from pyee.asyncio import AsyncIOEventEmitter

from ..exceptions import InvalidStateError
from ..rtcpeerconnection import LOCAL_MAX_MESSAGE_SIZE
from ..rtcsctptransport import RTCSctpTransport as _W3CSctpTransport


@dataclass
class RTCSctpCapabilities:
    """The largest message this side accepts, in bytes."""

    maxMessageSize: int


class RTCSctpTransport(_W3CSctpTransport, AsyncIOEventEmitter):
    _logger = logging.getLogger("aiortc.rtcsctptransport")

    class State(enum.Enum):
        """The association states of RFC 4960 (aiortc exposes its own as this enum)."""

        CLOSED = 1
        COOKIE_WAIT = 2
        COOKIE_ECHOED = 3
        ESTABLISHED = 4
        SHUTDOWN_PENDING = 5
        SHUTDOWN_SENT = 6
        SHUTDOWN_RECEIVED = 7
        SHUTDOWN_ACK_SENT = 8

    def __init__(self, peer_connection: Any) -> None:
        AsyncIOEventEmitter.__init__(self)
        _W3CSctpTransport.__init__(self, peer_connection)

    @property
    def mid(self) -> str | None:
        """The mid of the data section, once a description has one."""
        pc = self._pc()
        description = pc.localDescription or pc.remoteDescription if pc is not None else None
        if description is None:
            return None
        in_application = False
        for line in description.sdp.splitlines():
            if line.startswith("m="):
                in_application = line.startswith("m=application")
            elif in_application and line.startswith("a=mid:"):
                return line[len("a=mid:"):].strip()
        return None

    @classmethod
    def getCapabilities(cls) -> RTCSctpCapabilities:
        return RTCSctpCapabilities(maxMessageSize=LOCAL_MAX_MESSAGE_SIZE)

    @property
    def is_server(self) -> bool:
        """Whether this side is the DTLS server (RFC 8832 picks stream ids by it)."""
        transport = self.transport
        return transport is not None and transport.getLocalParameters().role == "server"

    def setTransport(self, transport: Any) -> None:
        raise InvalidStateError("RTCSctpTransport is run by its RTCPeerConnection")

    async def start(self, remoteCaps: RTCSctpCapabilities | None, remotePort: int) -> None:
        raise InvalidStateError(
            "RTCSctpTransport is run by its RTCPeerConnection: set descriptions to start it"
        )

    async def stop(self) -> None:
        raise InvalidStateError(
            "RTCSctpTransport is run by its RTCPeerConnection: close the connection to stop it"
        )


__all__ = ["RTCSctpCapabilities", "RTCSctpTransport"]
