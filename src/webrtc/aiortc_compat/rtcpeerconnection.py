"""aiortc.rtcpeerconnection: RTCPeerConnection with aiortc 1.16's behaviour.

What differs from the W3C layer (see docs/migrating-from-aiortc.md):
- no trickle ICE: setLocalDescription() returns once gathering is complete and
  localDescription holds every candidate; no ``icecandidate``/``negotiationneeded`` events;
- aiortc's state vocabularies ("completed" ICE, no "disconnected");
- the connection closes itself when the remote side closes;
- remote channels are announced open; aiortc's errors and messages for bad arguments;
- remote candidates may arrive before the remote description.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import uuid
import warnings
from typing import Any

from ..exceptions import InternalError, InvalidStateError, OperationError
from ..rtcrtpsender import check_track
from ..rtcrtptransceiver import DIRECTIONS
from ..rtcconfiguration import RTCConfiguration, RTCIceServer
from ..rtcicecandidate import RTCIceCandidate as _W3CIceCandidate
from ..rtcpeerconnection import RTCPeerConnection as _W3CPeerConnection
from ..rtcsessiondescription import RTCSessionDescription
from .rtcdtlstransport import RTCDtlsTransport
from .rtcicetransport import RTCIceTransport
from .rtcsctptransport import RTCSctpTransport
from .rtcdatachannel import RTCDataChannel
from .rtcrtpreceiver import RemoteStreamTrack
from .rtcrtptransceiver import RTCRtpTransceiver
from .sdp import candidate_to_sdp
from .stats import RTCStatsReport

# aiortc's logger names, so that code tuning logging.getLogger("aiortc") tunes ours.
logger = logging.getLogger("aiortc.rtcpeerconnection")

_CANDIDATE_LINE_RE = re.compile(r"^a=(candidate:.*|end-of-candidates)\r?\n", re.MULTILINE)

# aiortc's state names (rtcpeerconnection.py): libwebrtc's "connected" ICE state is
# aiortc's "completed", and aiortc has no "disconnected" state.
_ICE_STATES = {
    "new": "new",
    "checking": "checking",
    "connected": "completed",
    "completed": "completed",
    "failed": "failed",
    "closed": "closed",
}
_CONNECTION_STATES = {
    "new": "new",
    "connecting": "connecting",
    "connected": "connected",
    "failed": "failed",
    "closed": "closed",
}


def _strip_candidates(sdp: str) -> str:
    return _CANDIDATE_LINE_RE.sub("", sdp)


_OPUS_RTPMAP_RE = re.compile(r"^a=rtpmap:(\d+) opus/48000/2\r?$", re.MULTILINE | re.IGNORECASE)


def _receive_stereo_opus(sdp: str) -> str:
    """Ask for stereo Opus (fmtp stereo=1): libwebrtc then decodes both channels, as aiortc
    does, where it would otherwise mix a stereo stream down to mono."""
    for payload_type in set(_OPUS_RTPMAP_RE.findall(sdp)):
        sdp = re.sub(
            rf"^(a=fmtp:{payload_type} (?![^\r\n]*\bstereo=)[^\r\n]*)",
            r"\1;stereo=1",
            sdp,
            flags=re.MULTILINE,
        )
    return sdp


def _local_sdp(sdp: str) -> str:
    """What createOffer/createAnswer give: no candidates (aiortc gathers in
    setLocalDescription), stereo Opus."""
    return _receive_stereo_opus(_strip_candidates(sdp))


def _add_end_of_candidates(sdp: str) -> str:
    """Append a=end-of-candidates to each media section that lacks it."""
    lines = sdp.split("\r\n")
    out: list[str] = []
    in_media = False
    seen_end = False

    def close_section() -> None:
        if in_media and not seen_end:
            while out and out[-1] == "":
                out.pop()
            out.append("a=end-of-candidates")

    for line in lines:
        if line.startswith("m="):
            close_section()
            in_media, seen_end = True, False
        elif line == "a=end-of-candidates":
            seen_end = True
        out.append(line)
    close_section()
    return "\r\n".join(out) + "\r\n"


# Where congestion control starts once video is sent (libwebrtc's default is 300 kbps, which
# makes the encoder drop its first frames and step down to 320x180).
VIDEO_START_BITRATE = 1_500_000


class RTCPeerConnection(_W3CPeerConnection):
    """aiortc's RTCPeerConnection, run by libwebrtc. See the module docstring."""

    _logger = logger
    _sctp_transport_class = RTCSctpTransport
    _ice_transport_class = RTCIceTransport
    _dtls_transport_class = RTCDtlsTransport

    def __init__(self, configuration: RTCConfiguration | None = None) -> None:
        self._pending_candidates: list[tuple[str, str | None, int | None]] = []
        self._close_task: asyncio.Task | None = None
        # aiortc groups every track of a connection under one stream id.
        self._stream_id = str(uuid.uuid4())
        self._start_bitrate_set = False
        # Tracks announced while setRemoteDescription runs, emitted before it returns.
        self._tracks_to_announce: list | None = None
        super().__init__(configuration)

    def _native_configuration(self, configuration: RTCConfiguration) -> tuple:
        servers = configuration.iceServers
        if servers is None:
            # aiortc's default (RTCIceGatherer.getDefaultIceServers).
            servers = [RTCIceServer("stun:stun.l.google.com:19302")]
        for server in servers:
            urls = [server.urls] if isinstance(server.urls, str) else server.urls
            for url in urls or []:
                if isinstance(url, str) and url.startswith("stun") and "?transport" in url:
                    raise ValueError("malformed uri: stun must not contain transport")
        native_servers, policy, bundle = super()._native_configuration(
            dataclasses.replace(configuration, iceServers=servers)
        )
        if policy == "relay" and not any(
            url.split(":", 1)[0].lower() in ("turn", "turns")
            for urls, _, _ in native_servers
            for url in urls
        ):
            warnings.warn(
                "iceTransportPolicy is 'relay' but no TURN server is configured: "
                "no ICE candidates will be gathered and the connection cannot succeed",
                RuntimeWarning,
                stacklevel=4,
            )
        return native_servers, policy, bundle

    # ---- offer/answer without trickle ICE ----

    async def createOffer(self) -> RTCSessionDescription:
        description = await super().createOffer()
        return RTCSessionDescription(sdp=_local_sdp(description.sdp), type="offer")

    async def createAnswer(self) -> RTCSessionDescription:
        description = await super().createAnswer()
        return RTCSessionDescription(sdp=_local_sdp(description.sdp), type="answer")

    async def setLocalDescription(self, sessionDescription: RTCSessionDescription | None = None) -> None:
        """Apply the description and return once ICE gathering is complete."""
        if sessionDescription is None and not self._closed:
            # Made here rather than by libwebrtc, so that it is the description createOffer /
            # createAnswer would give (stereo Opus).
            if self._signalingState in ("have-remote-offer", "have-local-pranswer"):
                sessionDescription = await self.createAnswer()
            else:
                sessionDescription = await self.createOffer()
        await super().setLocalDescription(sessionDescription)
        self.emit("signalingstatechange")  # aiortc emits it on every set
        local = self._native.local_description()
        if local is None or "\nm=" not in local[1]:
            return
        if self._iceGatheringState != "complete" and not self._closed:
            waiter = self._pump.require_loop().create_future()
            self._gathering_waiters.append(waiter)
            await waiter

    @property
    def localDescription(self) -> RTCSessionDescription | None:
        description = super().localDescription
        if description is not None and self._iceGatheringState == "complete":
            description = RTCSessionDescription(
                sdp=_add_end_of_candidates(description.sdp), type=description.type
            )
        return description

    async def setRemoteDescription(self, sessionDescription: RTCSessionDescription) -> None:
        """Apply the remote description; ``track`` fires for each new remote track before
        this returns, and an exception a handler raises comes out of it, as in aiortc."""
        self._tracks_to_announce = []
        try:
            await super().setRemoteDescription(sessionDescription)
        finally:
            announce, self._tracks_to_announce = self._tracks_to_announce, None
        pending, self._pending_candidates = self._pending_candidates, []
        for line, mid, index in pending:
            await self._add_candidate_quietly(line, mid, index)
        for track in announce:
            self.emit("track", track)
        self.emit("signalingstatechange")  # aiortc emits it on every set

    async def addIceCandidate(self, candidate: Any) -> None:
        """Add a remote candidate (aiortc's dataclass, or an object with a .candidate line).

        Candidates that arrive before the remote description wait for it; a candidate for an
        unknown media section is ignored, as in aiortc. None marks the end of candidates."""
        if candidate is None:
            return
        if getattr(candidate, "sdpMid", None) is None and getattr(candidate, "sdpMLineIndex", None) is None:
            raise ValueError("Candidate must have either sdpMid or sdpMLineIndex")
        if isinstance(candidate, _W3CIceCandidate) or isinstance(getattr(candidate, "candidate", None), str):
            line = candidate.candidate
            if not line:
                return
        else:
            line = candidate_to_sdp(candidate)
        if self._closed:
            raise InvalidStateError("RTCPeerConnection is closed")
        if self._remote is None:
            self._pending_candidates.append((line, candidate.sdpMid, candidate.sdpMLineIndex))
            return
        await self._add_candidate_quietly(line, candidate.sdpMid, candidate.sdpMLineIndex)

    async def _add_candidate_quietly(self, line: str, mid: str | None, index: int | None) -> None:
        try:
            await self._add_candidate_line(line, mid, index)
        except (OperationError, InvalidStateError) as exc:
            logger.warning("RTCPeerConnection.addIceCandidate: candidate ignored (%s)", exc)

    # ---- data channels ----

    def createDataChannel(
        self,
        label: str,
        maxPacketLifeTime: int | None = None,
        maxRetransmits: int | None = None,
        ordered: bool = True,
        protocol: str = "",
        negotiated: bool = False,
        id: int | None = None,
    ) -> RTCDataChannel:
        for name, value in (("label", label), ("protocol", protocol)):
            if not isinstance(value, str):  # aiortc fails on len() of it
                raise TypeError(f"{name} must be a str (got {type(value).__name__})")
        if maxPacketLifeTime is not None and maxRetransmits is not None:
            raise ValueError("Cannot specify both maxPacketLifeTime and maxRetransmits")
        if negotiated and (not isinstance(id, int) or not 0 <= id <= 65534):
            raise ValueError("ID must be in range 0-65534 if data channel is negotiated out-of-band")
        if self._sctp is None and not self._closed:
            # aiortc creates its SCTP transport with the first channel.
            self._sctp = self._sctp_transport_class(self)
        try:
            return super().createDataChannel(
                label,
                ordered=ordered,
                maxPacketLifeTime=maxPacketLifeTime,
                maxRetransmits=maxRetransmits,
                protocol=protocol,
                negotiated=negotiated,
                id=id,
            )
        except TypeError as exc:
            raise ValueError(str(exc)) from None

    def _make_transceiver(self, index: int, snapshot: tuple) -> RTCRtpTransceiver:
        return RTCRtpTransceiver(self, index, snapshot)

    def addTransceiver(self, trackOrKind: Any, direction: str = "sendrecv") -> RTCRtpTransceiver:
        """Add a media section for a track or for ``"audio"``/``"video"``."""
        self._check_open()
        # As aiortc: a track gives its kind; anything else is taken as the kind itself.
        is_track = not isinstance(trackOrKind, str) and callable(getattr(trackOrKind, "recv", None))
        kind = trackOrKind.kind if is_track else trackOrKind
        if kind not in ("audio", "video"):
            raise InternalError(f'Invalid track kind "{kind}"')
        if direction not in DIRECTIONS:
            raise InternalError(f'Invalid direction "{direction}"')
        return self._add_transceiver(trackOrKind, direction, [self._stream_id])

    def addTrack(self, track: Any):
        """Send `track`, as aiortc: the first transceiver of its kind with no track is
        reused (its direction gains "send"), otherwise a sendrecv one is added."""
        self._check_open()
        kind = getattr(track, "kind", None)
        if kind not in ("audio", "video"):
            raise InternalError(f'Invalid track kind "{kind}"')
        check_track(track)
        self._check_no_sender(track)
        self._sync_transceivers()
        for transceiver in self._transceivers:
            if (transceiver.kind == kind and transceiver.sender.track is None
                    and not transceiver.stopped):
                if transceiver.currentDirection is None:
                    # Never negotiated: libwebrtc's own addTrack reuses this very
                    # transceiver, and gives the sender our stream id, which the SDP's msid
                    # carries. Without one, a browser puts the track in no stream
                    # (`event.streams` is empty) and aiortc's server page shows no video.
                    break
                transceiver.sender._replace(track)
                # aiortc puts every track in the connection's one stream: the msid of a
                # renegotiation carries it.
                self._native.set_sender_streams(transceiver.sender._index, [self._stream_id])
                if transceiver.direction == "recvonly":
                    transceiver.direction = "sendrecv"
                elif transceiver.direction == "inactive":
                    transceiver.direction = "sendonly"
                return transceiver.sender
        return super().addTrack(track)

    def _default_stream_ids(self, streams: tuple) -> list[str]:
        return [self._stream_id]

    def _attach_sender(self, sender: Any, track: Any, source: Any) -> None:
        if sender.kind == "video":
            # aiortc sends the track's own resolution from the first frame. libwebrtc would
            # start at 320x180 and climb for tens of seconds: keep the resolution (lower
            # the frame rate under load instead), and start congestion control higher.
            _, encodings = self._native.get_sender_parameters(sender._index)
            self._native.set_sender_parameters(sender._index, "maintain-resolution", encodings)
            if not self._start_bitrate_set:
                self._native.set_start_bitrate(VIDEO_START_BITRATE)
                self._start_bitrate_set = True
        super()._attach_sender(sender, track, source)

    def _make_remote_track(self, native: Any) -> RemoteStreamTrack:
        track = RemoteStreamTrack(native)
        if track.kind == "audio":
            native.set_upmix_mono(True)  # aiortc delivers Opus as stereo, always
        return track

    def _on_track(self, track: Any, transceiver: Any) -> None:
        # aiortc passes the track alone, once per transceiver that starts receiving.
        if not getattr(track, "_announced", False):
            track._announced = True
            if self._tracks_to_announce is not None:
                self._tracks_to_announce.append(track)  # emitted by setRemoteDescription
            else:
                self.emit("track", track)

    def _make_channel(self, native: Any) -> RTCDataChannel:
        return RTCDataChannel(native, self)

    def _on_data_channel(self, channel: RTCDataChannel) -> None:
        # aiortc announces a remote channel once it is open, and no "open" event follows.
        if channel.readyState == "open":
            self._announce_channel(channel)
        else:
            channel._announce_when_open = True

    def _announce_channel(self, channel: RTCDataChannel) -> None:
        if self._sctp is not None:
            self._sctp.emit("datachannel", channel)  # aiortc's transport announces it too
        self.emit("datachannel", channel)

    async def getStats(self) -> RTCStatsReport:
        """Statistics as aiortc shapes them: objects with attributes; works after close()."""
        if self._closed:
            return RTCStatsReport()
        return RTCStatsReport._from_w3c(await super().getStats())

    # ---- events and states ----

    def _dispatch(self, event: tuple) -> None:
        super()._dispatch(event)
        target = event[0]
        if target:
            channel = self._channels.get(target)
            if channel is not None and getattr(channel, "_announce_when_open", False):
                if channel.readyState == "open":
                    channel._announce_when_open = False
                    self._announce_channel(channel)

    def _on_ice_candidate(self, line: str, mid: str | None, mline_index: int) -> None:
        pass

    def _on_signaling_state(self, state: str) -> None:
        # Emitted by setLocalDescription/setRemoteDescription themselves, as aiortc does.
        if not self._closed:
            if state != self._signalingState:
                self._log_state("signalingState", self._signalingState, state)
            self._signalingState = state

    def _on_ice_connection_state(self, state: str) -> None:
        mapped = _ICE_STATES.get(state)
        if mapped is not None:
            super()._on_ice_connection_state(mapped)

    def _on_connection_state(self, state: str) -> None:
        mapped = _CONNECTION_STATES.get(state)
        if mapped is not None:
            super()._on_connection_state(mapped)

    def _on_dtls_state(self, state: str) -> None:
        # The remote side closed the DTLS session: aiortc closes the connection itself.
        if state == "closed" and not self._closed and self._close_task is None:
            self._close_task = asyncio.ensure_future(self.close())

    def emit(self, event: str, *args: Any, **kwargs: Any) -> bool:
        if event in ("icecandidate", "negotiationneeded", "icecandidateerror"):
            return False
        return super().emit(event, *args, **kwargs)

    async def close(self) -> None:
        """Close; emits the final state changes, then drops every listener (as aiortc)."""
        if self._closed:
            return
        await super().close()

    def _finish_close(self) -> None:
        before = (self._signalingState, self._iceConnectionState, self._connectionState)
        super()._finish_close()
        if before[0] != "closed":
            self.emit("signalingstatechange")
        if before[1] != "closed":
            self.emit("iceconnectionstatechange")
        if before[2] != "closed":
            self.emit("connectionstatechange")
        self.remove_all_listeners()


__all__ = ["RTCPeerConnection"]
