"""aiortc.rtcicetransport: aiortc's RTCIceCandidate dataclass, and the ICE transport and
gatherer as a connection shows them.

libwebrtc gathers and checks; these are views of it. A connection gathers inside
``setLocalDescription`` (as aiortc's does), so ``RTCIceGatherer.gather()`` only waits for
that to finish. The ORTC methods that drive a transport by hand (``start``, ``stop``) raise
InvalidStateError: the connection owns the transport.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyee.asyncio import AsyncIOEventEmitter

from .._sdpsection import transport_attributes
from ..exceptions import InvalidStateError
from ..rtcconfiguration import RTCIceServer
from ..rtcicetransport import RTCIceParameters
from ..rtcicetransport import RTCIceTransport as _W3CIceTransport

if TYPE_CHECKING:
    from .rtcpeerconnection import RTCPeerConnection


@dataclass
class RTCIceCandidate:
    """An ICE candidate the way aiortc models it (fields of the SDP candidate attribute)."""

    component: int
    foundation: str
    ip: str
    port: int
    priority: int
    protocol: str
    type: str
    relatedAddress: str | None = None
    relatedPort: int | None = None
    sdpMid: str | None = None
    sdpMLineIndex: int | None = None
    tcpType: str | None = None


# W3C gathering state -> aiortc's RTCIceGatherer state.
_GATHERER_STATES = {"new": "new", "gathering": "gathering", "complete": "completed"}


def _parse_lines(lines: list[str], mid: str | None) -> list[RTCIceCandidate]:
    from .sdp import candidate_from_sdp

    candidates = []
    for line in lines:
        candidate = candidate_from_sdp(line.split(":", 1)[1])
        candidate.sdpMid = mid
        candidates.append(candidate)
    return candidates


class RTCIceGatherer(AsyncIOEventEmitter):
    """The local half of ICE: candidates and credentials. Event: ``statechange``."""

    def __init__(self, transport: RTCIceTransport) -> None:
        super().__init__()
        self._transport = transport

    @property
    def state(self) -> str:
        """"new", "gathering" or "completed"."""
        return _GATHERER_STATES.get(self._transport._gathering_state, "new")

    async def gather(self) -> None:
        """Wait until the connection's gathering is complete (it starts with
        setLocalDescription)."""
        pc = self._transport._pc()
        if pc is None or pc._closed or self.state != "gathering":
            return
        waiter = asyncio.get_running_loop().create_future()
        pc._gathering_waiters.append(waiter)
        await waiter

    @classmethod
    def getDefaultIceServers(cls) -> list[RTCIceServer]:
        """aiortc's default when RTCConfiguration.iceServers is None: Google's STUN server."""
        return [RTCIceServer("stun:stun.l.google.com:19302")]

    def getLocalCandidates(self) -> list[RTCIceCandidate]:
        found = transport_attributes(self._transport._local_sdp())
        return _parse_lines(found.candidates, found.mid)

    def getLocalParameters(self) -> RTCIceParameters:
        # aiortc's gatherer has credentials from the start: empty ones before a description.
        return self._transport.getLocalParameters() or RTCIceParameters()


class RTCIceTransport(_W3CIceTransport):
    """aiortc's names: ``iceGatherer``, ``role``, ``state`` ("new", "checking",
    "completed", "failed", "closed"), ``getRemoteCandidates()``, ``addRemoteCandidate()``."""

    _logger = logging.getLogger("aiortc.rtcicetransport")

    def __init__(self, peer_connection: RTCPeerConnection) -> None:
        super().__init__(peer_connection)
        self._gatherer = RTCIceGatherer(self)

    @property
    def iceGatherer(self) -> RTCIceGatherer:
        return self._gatherer

    @property
    def role(self) -> str:
        """"controlling" or "controlled" (aiortc's default before negotiation: controlling)."""
        pc = self._pc()
        return pc._ice_role if pc is not None and pc._ice_role else "controlling"

    def getRemoteCandidates(self) -> list[RTCIceCandidate]:  # type: ignore[override]
        return _parse_lines(*self._remote_candidate_lines())

    async def addRemoteCandidate(self, candidate: RTCIceCandidate | None) -> None:
        """Add a remote candidate to this transport (None: end of candidates)."""
        pc = self._pc()
        if pc is None or pc._closed:
            raise InvalidStateError("RTCIceTransport is closed")
        if candidate is None:
            return
        if not isinstance(candidate, RTCIceCandidate):
            raise TypeError(f"candidate must be an RTCIceCandidate (got {type(candidate).__name__})")
        if candidate.sdpMid is None and candidate.sdpMLineIndex is None:
            mid = transport_attributes(self._remote_sdp()).mid
            candidate = dataclasses.replace(candidate, sdpMid=mid, sdpMLineIndex=0)
        await pc.addIceCandidate(candidate)

    async def start(self, remoteParameters: RTCIceParameters) -> None:
        raise InvalidStateError(
            "RTCIceTransport is run by its RTCPeerConnection: set descriptions to start it"
        )

    async def stop(self) -> None:
        raise InvalidStateError(
            "RTCIceTransport is run by its RTCPeerConnection: close the connection to stop it"
        )

    def _set_gathering_state(self, state: str) -> None:
        before = self._gatherer.state
        super()._set_gathering_state(state)
        if self._gatherer.state != before:
            self._gatherer.emit("statechange")


__all__ = ["RTCIceCandidate", "RTCIceGatherer", "RTCIceParameters", "RTCIceTransport"]
