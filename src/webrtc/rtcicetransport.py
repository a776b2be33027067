"""RTCIceTransport: https://w3c.github.io/webrtc-pc/#rtcicetransport

libwebrtc owns the ICE transport; this object is a view of it from the connection: its
state, role, credentials and candidates, read from the connection's states and descriptions.
A connection has one (every media section and the data channels are bundled onto it).
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyee.asyncio import AsyncIOEventEmitter

from ._sdpsection import transport_attributes
from .rtcicecandidate import RTCIceCandidate

if TYPE_CHECKING:
    from .rtcpeerconnection import RTCPeerConnection


@dataclass
class RTCIceParameters:
    """ICE credentials of one side."""

    usernameFragment: str | None = None
    password: str | None = None
    iceLite: bool = False


def _ice_parameters(sdp: str | None) -> RTCIceParameters | None:
    """A description's ICE credentials, or None before it has any."""
    found = transport_attributes(sdp)
    if found.ice_ufrag is None:
        return None
    return RTCIceParameters(found.ice_ufrag, found.ice_pwd, found.ice_lite)


class RTCIceTransport(AsyncIOEventEmitter):
    """Events: ``statechange``, ``gatheringstatechange``."""

    _logger = logging.getLogger(__name__)

    def __init__(self, peer_connection: RTCPeerConnection) -> None:
        super().__init__()
        self._pc = weakref.ref(peer_connection)
        self._state = "new"
        self._gathering_state = "new"

    @property
    def component(self) -> str:
        return "rtp"  # RTCP is always multiplexed

    @property
    def role(self) -> str:
        """"controlling" (the side that offered first), "controlled", or "unknown"."""
        pc = self._pc()
        return pc._ice_role if pc is not None and pc._ice_role else "unknown"

    @property
    def state(self) -> str:
        return self._state

    @property
    def gatheringState(self) -> str:
        return self._gathering_state

    def _local_sdp(self) -> str | None:
        pc = self._pc()
        description = pc.localDescription if pc is not None else None
        return description.sdp if description is not None else None

    def _remote_sdp(self) -> str | None:
        pc = self._pc()
        description = pc.remoteDescription if pc is not None else None
        return description.sdp if description is not None else None

    def getLocalCandidates(self) -> list[RTCIceCandidate]:
        """The candidates gathered so far."""
        found = transport_attributes(self._local_sdp())
        return [RTCIceCandidate(line, sdpMid=found.mid, sdpMLineIndex=0) for line in found.candidates]

    def getRemoteCandidates(self) -> list[RTCIceCandidate]:
        """The remote candidates: those of the remote description and those added since."""
        lines, mid = self._remote_candidate_lines()
        return [RTCIceCandidate(line, sdpMid=mid, sdpMLineIndex=0) for line in lines]

    def _remote_candidate_lines(self) -> tuple[list[str], str | None]:
        """("candidate:..." lines, the bundled section's mid)."""
        found = transport_attributes(self._remote_sdp())
        pc = self._pc()
        lines = list(found.candidates)
        for line in pc._added_remote_candidates if pc is not None else ():
            if line not in lines:
                lines.append(line)
        return lines, found.mid

    def getLocalParameters(self) -> RTCIceParameters | None:
        return _ice_parameters(self._local_sdp())

    def getRemoteParameters(self) -> RTCIceParameters | None:
        return _ice_parameters(self._remote_sdp())

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._logger.debug("RTCIceTransport(%#x) state is now %s (was %s)",
                               id(self), state, self._state)
            self._state = state
            self.emit("statechange")

    def _set_gathering_state(self, state: str) -> None:
        if state != self._gathering_state:
            self._logger.debug("RTCIceTransport(%#x) gatheringState is now %s (was %s)",
                               id(self), state, self._gathering_state)
            self._gathering_state = state
            self.emit("gatheringstatechange")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._state} role={self.role}>"


__all__ = ["RTCIceParameters", "RTCIceTransport"]
