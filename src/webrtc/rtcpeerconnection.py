"""RTCPeerConnection: https://w3c.github.io/webrtc-pc/#rtcpeerconnection-interface"""

from __future__ import annotations

import asyncio
import itertools
import logging
import weakref
from typing import Any

from pyee.asyncio import AsyncIOEventEmitter

from . import _native
from ._eventpump import EventPump
from ._sdpcheck import prepare_sdp
from ._sdpmedia import check_remote_media
from .exceptions import InvalidStateError, OperationError, RTCError, error_from_native
from .rtcconfiguration import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceTransportPolicy,
    enum_value,
    native_ice_servers,
)
from .rtcdatachannel import RTCDataChannel
from .rtcicecandidate import RTCIceCandidate, parse_candidate
from .rtcsessiondescription import RTCSessionDescription
from .rtcstatsreport import RTCStatsReport
from .rtcdtlstransport import RTCDtlsTransport
from .rtcicetransport import RTCIceTransport
from .rtcsctptransport import MAX_CHANNELS, RTCSctpTransport
from .remotestreamtrack import MediaStream, RemoteStreamTrack
from .exceptions import InvalidAccessError
from .rtcrtpsender import RTCRtpSender, check_track, new_source
from .rtcrtptransceiver import DIRECTIONS, RTCRtpTransceiver
from .rtctrackevent import RTCTrackEvent

SIGNALING_STATES = (
    "stable",
    "have-local-offer",
    "have-local-pranswer",
    "have-remote-offer",
    "have-remote-pranswer",
    "closed",
)
ICE_GATHERING_STATES = ("new", "gathering", "complete")
ICE_CONNECTION_STATES = ("new", "checking", "connected", "completed", "failed", "disconnected", "closed")
CONNECTION_STATES = ("new", "connecting", "connected", "disconnected", "failed", "closed")
DTLS_STATES = ("new", "connecting", "connected", "closed", "failed")
# The DTLS state the connection state implies (libwebrtc reports DTLS changes to us only
# once connected; "disconnected" is an ICE matter, DTLS stays up).
_DTLS_STATE_OF_CONNECTION = {
    "new": "new",
    "connecting": "connecting",
    "connected": "connected",
    "disconnected": "connected",
    "failed": "failed",
    "closed": "closed",
}

# What libwebrtc's dcSCTP accepts (and advertises in a=max-message-size).
LOCAL_MAX_MESSAGE_SIZE = 262144
# RFC 8841: the size to assume when the remote description has no a=max-message-size.
DEFAULT_REMOTE_MAX_MESSAGE_SIZE = 65536

_request_ids = itertools.count(1)


def _description_from(value: Any, method: str) -> RTCSessionDescription:
    if isinstance(value, RTCSessionDescription):
        return value
    sdp = getattr(value, "sdp", None)
    sdp_type = getattr(value, "type", None)
    if isinstance(value, dict):
        sdp, sdp_type = value.get("sdp"), value.get("type")
    if not isinstance(sdp, str) or not isinstance(sdp_type, str):
        raise TypeError(f"{method} expects an RTCSessionDescription (got {type(value).__name__})")
    return RTCSessionDescription(sdp=sdp, type=sdp_type)


class RTCPeerConnection(AsyncIOEventEmitter):
    """A connection to a remote peer, run by libwebrtc.

    Events (handlers may be plain functions or coroutines): ``icecandidate``
    (:class:`RTCIceCandidate` or None at the end), ``icecandidateerror``,
    ``icegatheringstatechange``, ``iceconnectionstatechange``, ``connectionstatechange``,
    ``signalingstatechange``, ``datachannel`` (:class:`RTCDataChannel`),
    ``negotiationneeded``.

    May be constructed before an event loop runs; it binds to the loop that first uses it.
    State changes are logged at debug level (logger ``webrtc.rtcpeerconnection``).
    """

    _logger = logging.getLogger(__name__)
    # The transport views this layer makes (the aiortc layer has its own).
    _sctp_transport_class = RTCSctpTransport
    _ice_transport_class = RTCIceTransport
    _dtls_transport_class = RTCDtlsTransport

    def __init__(self, configuration: RTCConfiguration | None = None) -> None:
        super().__init__()
        if configuration is None:
            configuration = RTCConfiguration()
        elif not isinstance(configuration, RTCConfiguration):
            raise TypeError("configuration must be an RTCConfiguration")
        self._configuration = configuration
        native_config = self._native_configuration(configuration)
        self._native = _native.PeerConnection(*native_config)
        self._pump = EventPump(self._native, self, type(self)._dispatch)
        weakref.finalize(self, self._pump.detach)
        self._pump.bind()
        self._requests: dict[int, asyncio.Future] = {}
        self._channels: dict[int, RTCDataChannel] = {}
        self._transceivers: list[RTCRtpTransceiver] = []
        self._tracks: dict[int, RemoteStreamTrack] = {}  # by native handle
        self._streams: dict[str, MediaStream] = {}
        self._signalingState = "stable"
        self._iceGatheringState = "new"
        self._iceConnectionState = "new"
        self._connectionState = "new"
        self._closed = False
        self._final_descriptions: tuple = (None, None)
        # The remote description as applied. libwebrtc's re-serialization of a parsed remote
        # description crashes on some inputs (unknown media types), so we never ask for it.
        self._remote: tuple[str, str] | None = None
        self._current_remote: tuple[str, str] | None = None
        self._pending_remote: tuple[str, str] | None = None
        self._remote_max_message_size: int | None = None
        self._sctp: RTCSctpTransport | None = None
        self._gathering_waiters: list[asyncio.Future] = []
        # Views of libwebrtc's transports, made on first use (see _dtls_transport()).
        self._dtls: RTCDtlsTransport | None = None
        self._ice_role: str | None = None  # set by the first local description
        self._added_remote_candidates: list[str] = []

    def _native_configuration(self, configuration: RTCConfiguration) -> tuple:
        servers = native_ice_servers(configuration.iceServers)
        policy = enum_value(configuration.iceTransportPolicy, RTCIceTransportPolicy,
                            "iceTransportPolicy")
        bundle = enum_value(configuration.bundlePolicy, RTCBundlePolicy, "bundlePolicy")
        return servers, policy, bundle

    # ---- state ----

    @property
    def signalingState(self) -> str:
        return self._signalingState

    @property
    def iceGatheringState(self) -> str:
        return self._iceGatheringState

    @property
    def iceConnectionState(self) -> str:
        return self._iceConnectionState

    @property
    def connectionState(self) -> str:
        return self._connectionState

    @property
    def localDescription(self) -> RTCSessionDescription | None:
        """The pending or current local description, with the candidates gathered so far."""
        if self._closed:
            return self._description(self._final_descriptions[0])
        return self._description(self._native.local_description())

    @property
    def remoteDescription(self) -> RTCSessionDescription | None:
        return self._description(self._remote)

    @property
    def currentLocalDescription(self) -> RTCSessionDescription | None:
        """The local description of the last completed negotiation."""
        if self._closed:
            return None
        return self._description(self._native.local_description("current"))

    @property
    def pendingLocalDescription(self) -> RTCSessionDescription | None:
        """The local description of a negotiation in progress."""
        if self._closed:
            return None
        return self._description(self._native.local_description("pending"))

    @property
    def currentRemoteDescription(self) -> RTCSessionDescription | None:
        return self._description(self._current_remote)

    @property
    def pendingRemoteDescription(self) -> RTCSessionDescription | None:
        return self._description(self._pending_remote)

    @property
    def canTrickleIceCandidates(self) -> bool | None:
        """Whether the remote side accepts trickled candidates; None before its description."""
        if self._remote is None:
            return None
        return "a=ice-options:trickle" in self._remote[1] or "a=ice-options: trickle" in self._remote[1]

    @staticmethod
    def _description(value: tuple[str, str] | None) -> RTCSessionDescription | None:
        if value is None:
            return None
        return RTCSessionDescription(sdp=value[1], type=value[0])

    @property
    def sctp(self) -> RTCSctpTransport | None:
        """The SCTP transport once a description with a data section has been applied."""
        return self._sctp

    def getConfiguration(self) -> RTCConfiguration:
        return self._configuration

    def getTransceivers(self) -> list[RTCRtpTransceiver]:
        self._sync_transceivers()
        return list(self._transceivers)

    def getSenders(self) -> list:
        return [t.sender for t in self.getTransceivers()]

    def getReceivers(self) -> list:
        return [t.receiver for t in self.getTransceivers()]

    def _sync_transceivers(self) -> None:
        if self._closed:
            return
        snapshots = self._native.transceivers()
        for index, snapshot in enumerate(snapshots):
            if index < len(self._transceivers):
                self._transceivers[index]._update(snapshot)
            else:
                self._transceivers.append(self._make_transceiver(index, snapshot))

    def _make_transceiver(self, index: int, snapshot: tuple) -> RTCRtpTransceiver:
        return RTCRtpTransceiver(self, index, snapshot)

    def addTransceiver(self, trackOrKind: Any, init: dict | None = None) -> RTCRtpTransceiver:
        """Add a media section for a track, or for a kind (``"audio"``/``"video"``).

        ``init`` may give a ``direction`` (default "sendrecv") and ``streams`` (MediaStream
        objects or ids the remote side groups the track under)."""
        self._check_open()
        init = init or {}
        direction = init.get("direction", "sendrecv")
        return self._add_transceiver(trackOrKind, direction, self._stream_ids(init.get("streams", ())))

    def _stream_ids(self, streams: Any) -> list[str]:
        ids = []
        for stream in streams:
            stream_id = stream if isinstance(stream, str) else getattr(stream, "id", None)
            if not isinstance(stream_id, str):
                raise TypeError(f"streams must be MediaStream objects or ids (got {stream!r})")
            ids.append(stream_id)
        return ids

    def _add_transceiver(self, trackOrKind: Any, direction: str,
                         stream_ids: list[str] | None = None) -> RTCRtpTransceiver:
        if direction not in DIRECTIONS:
            raise TypeError(f"direction must be one of {DIRECTIONS} (got {direction!r})")
        if isinstance(trackOrKind, str):
            if trackOrKind not in ("audio", "video"):
                raise TypeError(f"kind must be 'audio' or 'video' (got {trackOrKind!r})")
            index = self._native.add_transceiver(trackOrKind, direction)
            self._sync_transceivers()
            return self._transceivers[index]
        track = trackOrKind
        check_track(track)
        self._check_no_sender(track)
        source = new_source(track)
        index = self._native.add_transceiver_with_track(source, direction, stream_ids or [])
        self._sync_transceivers()
        transceiver = self._transceivers[index]
        self._attach_sender(transceiver.sender, track, source)
        return transceiver

    def addTrack(self, track: Any, *streams: Any) -> RTCRtpSender:
        """Send `track`: reuses a transceiver of its kind that never sent, or adds one.

        Renegotiation is needed (``negotiationneeded`` fires) unless an unused transceiver
        was already negotiated for sending."""
        self._check_open()
        check_track(track)
        self._check_no_sender(track)
        source = new_source(track)
        index = self._native.add_track(source, self._default_stream_ids(streams))
        self._sync_transceivers()
        sender = self._transceivers[index].sender
        self._attach_sender(sender, track, source)
        return sender

    def _default_stream_ids(self, streams: tuple) -> list[str]:
        return self._stream_ids(streams)

    def _check_no_sender(self, track: Any) -> None:
        for transceiver in self._transceivers:
            if transceiver.sender.track is track:
                raise InvalidAccessError("Track already has a sender")

    def _attach_sender(self, sender: RTCRtpSender, track: Any, source: Any) -> None:
        sender._attach(track, source)

    def removeTrack(self, sender: RTCRtpSender) -> None:
        """Stop sending `sender`'s track (the transceiver stays, receiving only)."""
        self._check_open()
        if not isinstance(sender, RTCRtpSender):
            raise TypeError(f"removeTrack expects an RTCRtpSender (got {type(sender).__name__})")
        if all(transceiver.sender is not sender for transceiver in self._transceivers):
            raise InvalidAccessError("the sender does not belong to this RTCPeerConnection")
        if sender.track is None:
            return
        self._native.remove_track(sender._index)
        sender._detach()
        self._sync_transceivers()

    def _start_senders(self) -> None:
        for transceiver in self._transceivers:
            transceiver.sender._start()

    def _remote_track(self, index: int) -> RemoteStreamTrack | None:
        """The remote track of the index-th transceiver, one Python object per native track."""
        if self._closed:
            return None
        native = self._native.receiver_track(index)
        if native is None:
            return None
        track = self._tracks.get(native.handle)
        if track is None:
            track = self._tracks[native.handle] = self._make_remote_track(native)
        return track

    def _make_remote_track(self, native: Any) -> RemoteStreamTrack:
        return RemoteStreamTrack(native)

    def _end_remote_tracks(self) -> None:
        for track in list(self._tracks.values()):
            track._on_ended()

    # ---- offer/answer ----

    def _check_open(self) -> None:
        if self._closed:
            raise InvalidStateError("RTCPeerConnection is closed")

    async def _native_request(self, method: Any, *args: Any) -> tuple:
        """Start an asynchronous native operation and wait for its kRequestDone event.

        Arguments are checked (and may raise) before anything is left pending."""
        loop = self._pump.require_loop()
        request = next(_request_ids)
        future = loop.create_future()
        self._requests[request] = future
        try:
            method(request, *args)
        except BaseException:
            del self._requests[request]
            raise
        return await future

    async def createOffer(self, iceRestart: bool = False) -> RTCSessionDescription:
        """Create an SDP offer for the current transceivers and data channels."""
        self._check_open()
        sdp, sdp_type = await self._native_request(self._native.create_offer, bool(iceRestart))
        return RTCSessionDescription(sdp=sdp, type=sdp_type)

    async def createAnswer(self) -> RTCSessionDescription:
        """Create an SDP answer to the remote offer."""
        self._check_open()
        if self._signalingState not in ("have-remote-offer", "have-local-pranswer"):
            raise InvalidStateError(
                f'Cannot create answer in signaling state "{self._signalingState}"'
            )
        sdp, sdp_type = await self._native_request(self._native.create_answer)
        return RTCSessionDescription(sdp=sdp, type=sdp_type)

    async def setLocalDescription(
        self, description: RTCSessionDescription | None = None
    ) -> None:
        """Apply a local description; None creates the offer or answer implicitly."""
        self._check_open()
        if description is None:
            await self._native_request(self._native.set_local_description, "", "")
        else:
            description = _description_from(description, "setLocalDescription")
            if description.type == "rollback":
                raise InvalidStateError("rollback is not supported")
            prepared = prepare_sdp(description.sdp, description.type)
            await self._native_request(
                self._native.set_local_description, description.type, prepared.text
            )
        if self._ice_role is None:
            local = self._native.local_description()
            if local is not None:
                # The side whose description came first as an offer controls ICE.
                self._ice_role = "controlling" if local[0] == "offer" else "controlled"
        if self._signalingState == "stable" and self._pending_remote is not None:
            # Our answer completed the negotiation the remote offer began.
            self._current_remote, self._pending_remote = self._pending_remote, None
        self._update_sctp()
        self._sync_transceivers()

    async def setRemoteDescription(self, description: RTCSessionDescription) -> None:
        """Apply the remote side's offer or answer."""
        self._check_open()
        description = _description_from(description, "setRemoteDescription")
        if description.type == "rollback":
            raise InvalidStateError("rollback is not supported")
        if description.type in ("answer", "pranswer") and self._signalingState not in (
            "have-local-offer",
            "have-remote-pranswer",
        ):
            raise InvalidStateError(
                f'Cannot handle {description.type} in signaling state "{self._signalingState}"'
            )
        prepared = prepare_sdp(description.sdp, description.type)
        check_remote_media(prepared.text)
        await self._native_request(
            self._native.set_remote_description, description.type, prepared.text
        )
        self._remote = (description.type, description.sdp)  # rollback was refused above
        if description.type == "answer":
            self._current_remote, self._pending_remote = self._remote, None
        else:
            self._pending_remote = self._remote
        self._remote_max_message_size = (
            prepared.max_message_size or DEFAULT_REMOTE_MAX_MESSAGE_SIZE
        )
        self._update_sctp()
        self._sync_transceivers()

    def _dtls_transport(self) -> RTCDtlsTransport:
        """The connection's DTLS transport (and the ICE transport under it)."""
        if self._dtls is None:
            ice = self._ice_transport_class(self)
            ice._state = self._iceConnectionState
            ice._gathering_state = self._iceGatheringState
            self._dtls = self._dtls_transport_class(ice)
            self._dtls._state = _DTLS_STATE_OF_CONNECTION.get(self._connectionState, "new")
        return self._dtls

    def _update_sctp(self) -> None:
        if self._closed:
            return
        if self._sctp is None and "m=application" in (
            (self._native.local_description() or ("", ""))[1]
            + (self._remote or ("", ""))[1]
        ):
            self._sctp = self._sctp_transport_class(self)

    def _max_message_size(self) -> int:
        remote = self._remote_max_message_size or DEFAULT_REMOTE_MAX_MESSAGE_SIZE
        return min(remote, LOCAL_MAX_MESSAGE_SIZE)

    async def addIceCandidate(self, candidate: RTCIceCandidate | dict | None = None) -> None:
        """Add a remote candidate; None or an empty candidate marks the end of candidates."""
        self._check_open()
        if candidate is None:
            return
        if isinstance(candidate, dict):
            candidate = RTCIceCandidate(**candidate)
        if not isinstance(candidate, RTCIceCandidate):
            raise TypeError(f"addIceCandidate expects an RTCIceCandidate (got {type(candidate).__name__})")
        if not candidate.candidate:
            return
        if self.remoteDescription is None:
            raise InvalidStateError("addIceCandidate needs a remote description")
        await self._add_candidate_line(candidate.candidate, candidate.sdpMid, candidate.sdpMLineIndex)

    async def _add_candidate_line(self, line: str, mid: str | None, mline_index: int | None) -> None:
        parse_candidate(line)  # ValueError for malformed input, before it reaches libwebrtc
        if mid is not None and (not isinstance(mid, str) or not mid.isascii()):
            raise ValueError(f"invalid sdpMid: {mid!r}")
        if mline_index is not None and (
            not isinstance(mline_index, int) or not 0 <= mline_index < 65536
        ):
            raise ValueError(f"invalid sdpMLineIndex: {mline_index!r}")
        if not line.startswith("candidate:"):
            line = "candidate:" + line
        await self._native_request(
            self._native.add_ice_candidate, line, mid or "", -1 if mline_index is None else mline_index
        )
        self._added_remote_candidates.append(line)

    async def getStats(self) -> RTCStatsReport:
        """The connection's statistics (libwebrtc's W3C stats collector)."""
        self._check_open()
        report_json, _ = await self._native_request(self._native.get_stats)
        report = RTCStatsReport._from_json(report_json)
        self._add_direct_sends(report)
        return report

    def _add_direct_sends(self, report: RTCStatsReport) -> None:
        """libwebrtc counts only the messages that went through its own Send(): add what
        our direct path sent to each channel's data-channel stats."""
        by_id = {channel.id: channel for channel in self._channels.values()
                 if channel.id is not None}
        for stats in report.values():
            if stats.get("type") != "data-channel":
                continue
            channel = by_id.get(stats.get("dataChannelIdentifier"))
            if channel is None:
                continue
            stats["messagesSent"] = stats.get("messagesSent", 0) + channel._native.direct_messages_sent
            stats["bytesSent"] = stats.get("bytesSent", 0) + channel._native.direct_bytes_sent

    def restartIce(self) -> None:
        self._check_open()
        self._native.restart_ice()

    # ---- data channels ----

    def createDataChannel(
        self,
        label: str,
        ordered: bool = True,
        maxPacketLifeTime: int | None = None,
        maxRetransmits: int | None = None,
        protocol: str = "",
        negotiated: bool = False,
        id: int | None = None,
    ) -> RTCDataChannel:
        """Create a data channel (W3C RTCDataChannelInit members as keyword arguments)."""
        self._validate_channel_arguments(
            label, ordered, maxPacketLifeTime, maxRetransmits, protocol, negotiated, id
        )
        self._check_open()
        if id is not None and any(channel.id == id for channel in self._channels.values()):
            raise OperationError(f"data channel id {id} is already in use")
        if id is not None and id >= MAX_CHANNELS:
            # W3C: an id of maxChannels or above is an OperationError.
            raise OperationError(f"data channel id {id} is not below maxChannels ({MAX_CHANNELS})")
        self._pump.bind()
        native = self._native.create_data_channel(
            label, ordered, maxRetransmits, maxPacketLifeTime, protocol, negotiated, id
        )
        channel = self._make_channel(native)
        self._channels[native.handle] = channel
        if self._sctp is not None and self._sctp._aborted:
            # libwebrtc M108 would report this channel "open" on the dead association.
            channel._fail(RTCError("the SCTP association was aborted", "sctp-failure"))
        return channel

    def _validate_channel_arguments(
        self, label, ordered, maxPacketLifeTime, maxRetransmits, protocol, negotiated, id
    ) -> None:
        if not isinstance(label, str):
            raise TypeError("label must be a str")
        if not isinstance(protocol, str):
            raise TypeError("protocol must be a str")
        if not isinstance(ordered, bool) or not isinstance(negotiated, bool):
            raise TypeError("ordered and negotiated must be bool")
        if len(label.encode()) > 65535 or len(protocol.encode()) > 65535:
            raise TypeError("label and protocol must be at most 65535 bytes")
        for name, value in (("maxPacketLifeTime", maxPacketLifeTime), ("maxRetransmits", maxRetransmits)):
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 65535
            ):
                raise TypeError(f"{name} must be an int in 0..65535 or None")
        if maxPacketLifeTime is not None and maxRetransmits is not None:
            raise TypeError("Cannot specify both maxPacketLifeTime and maxRetransmits")
        if id is not None and (not isinstance(id, int) or isinstance(id, bool) or not 0 <= id <= 65534):
            raise TypeError("id must be an int in 0..65534")
        if negotiated and id is None:
            raise TypeError("a negotiated data channel needs an id")

    def _make_channel(self, native: Any) -> RTCDataChannel:
        return RTCDataChannel(native, self)

    def _on_sctp_failure(self) -> None:
        """A channel closed because dcSCTP aborted the association: it carries nothing more."""
        if self._sctp is not None:
            self._sctp._on_aborted()

    def _forget_channel(self, channel: RTCDataChannel) -> None:
        self._channels.pop(channel._native.handle, None)

    # ---- closing ----

    async def close(self) -> None:
        """Close the connection and every channel. Idempotent."""
        if self._closed:
            return
        self._pump.bind()
        # The native connection is released by close(): keep what stays readable.
        self._sync_transceivers()
        self._final_descriptions = (self._native.local_description(), self._remote)
        self._closed = True
        self._native.close()
        # Deliver what closing produced (channel closes, state changes) before returning.
        self._pump.drain()
        self._finish_close()

    def _log_state(self, name: str, old: str, new: str) -> None:
        self._logger.debug("RTCPeerConnection(%#x) %s is now %s (was %s)", id(self), name, new, old)

    def _finish_close(self) -> None:
        for name, old in (("signalingState", self._signalingState),
                          ("iceConnectionState", self._iceConnectionState),
                          ("connectionState", self._connectionState)):
            if old != "closed":
                self._log_state(name, old, "closed")
        self._signalingState = "closed"
        self._iceConnectionState = "closed"
        self._connectionState = "closed"
        if self._dtls is not None:
            self._dtls._set_state("closed")
            self._dtls.iceTransport._set_state("closed")
        if self._sctp is not None:
            self._sctp._on_connection_state("closed")
        for future in self._requests.values():
            if not future.done():
                future.set_exception(InvalidStateError("RTCPeerConnection is closed"))
        self._requests.clear()
        for waiter in self._gathering_waiters:
            if not waiter.done():
                waiter.set_result(None)
        for channel in list(self._channels.values()):
            channel._on_state(3, -1)
        for transceiver in self._transceivers:
            transceiver.sender._close()
        self._end_remote_tracks()

    # ---- native events ----

    def _dispatch(self, event: tuple) -> None:
        target, kind, a, b, payload, payload2 = event
        if target:
            track = self._tracks.get(target)
            if track is not None:
                if kind == _native.EVENT_TRACK_DATA:
                    track._on_data()
                elif kind == _native.EVENT_TRACK_ENDED:
                    track._on_ended()
                return
            channel = self._channels.get(target)
            if channel is not None:
                if kind == _native.EVENT_CHANNEL_MESSAGE:
                    channel._on_message(payload)
                else:
                    channel._on_event(kind, a, b, payload)
            return
        if kind == _native.EVENT_REQUEST_DONE:
            future = self._requests.pop(a, None)
            if future is not None and not future.done():
                if b == 0:
                    future.set_result((payload, payload2))
                else:
                    future.set_exception(error_from_native(b - 1, payload))
        elif kind == _native.EVENT_SIGNALING_STATE:
            self._on_signaling_state(SIGNALING_STATES[a])
        elif kind == _native.EVENT_ICE_GATHERING_STATE:
            self._on_ice_gathering_state(ICE_GATHERING_STATES[a])
        elif kind == _native.EVENT_ICE_CONNECTION_STATE:
            self._on_ice_connection_state(ICE_CONNECTION_STATES[a])
        elif kind == _native.EVENT_CONNECTION_STATE:
            self._on_connection_state(CONNECTION_STATES[a])
        elif kind == _native.EVENT_ICE_CANDIDATE:
            self._on_ice_candidate(payload, payload2, a)
        elif kind == _native.EVENT_ICE_CANDIDATE_ERROR:
            self.emit("icecandidateerror", {"url": payload, "errorCode": a, "errorText": payload2, "port": b})
        elif kind == _native.EVENT_DATA_CHANNEL:
            native = self._native.take_data_channel(a)
            if native is not None:
                channel = self._make_channel(native)
                self._channels[native.handle] = channel
                self._on_data_channel(channel)
        elif kind == _native.EVENT_NEGOTIATION_NEEDED:
            if not self._closed:
                self.emit("negotiationneeded")
        elif kind == _native.EVENT_DTLS_STATE:
            self._on_dtls_state(DTLS_STATES[a])
        elif kind == _native.EVENT_TRACK:
            if self._closed:
                return
            self._sync_transceivers()
            transceiver = self._transceivers[b]
            track = transceiver.receiver.track
            if track is not None:
                self._on_track(track, transceiver)

    def _on_signaling_state(self, state: str) -> None:
        if self._closed or state == self._signalingState:
            return
        self._log_state("signalingState", self._signalingState, state)
        self._signalingState = state
        self.emit("signalingstatechange")

    def _on_ice_gathering_state(self, state: str) -> None:
        if self._closed or state == self._iceGatheringState:
            return
        self._log_state("iceGatheringState", self._iceGatheringState, state)
        self._iceGatheringState = state
        if self._dtls is not None:
            self._dtls.iceTransport._set_gathering_state(state)
        if state == "complete":
            for waiter in self._gathering_waiters:
                if not waiter.done():
                    waiter.set_result(None)
            self._gathering_waiters.clear()
        self.emit("icegatheringstatechange")
        if state == "complete":
            self.emit("icecandidate", None)

    def _on_ice_connection_state(self, state: str) -> None:
        if self._closed or state == self._iceConnectionState:
            return
        self._log_state("iceConnectionState", self._iceConnectionState, state)
        self._iceConnectionState = state
        if self._dtls is not None:
            self._dtls.iceTransport._set_state(state)
        self.emit("iceconnectionstatechange")

    def _on_connection_state(self, state: str) -> None:
        if self._closed or state == self._connectionState:
            return
        self._log_state("connectionState", self._connectionState, state)
        self._connectionState = state
        if state == "connected":
            self._start_senders()
        if self._sctp is not None:
            self._sctp._on_connection_state(state)
        if self._dtls is not None:
            self._dtls._set_state(_DTLS_STATE_OF_CONNECTION.get(state, self._dtls.state))
        self.emit("connectionstatechange")

    def _on_ice_candidate(self, line: str, mid: str | None, mline_index: int) -> None:
        if self._closed:
            return
        self.emit("icecandidate", RTCIceCandidate(line, sdpMid=mid, sdpMLineIndex=mline_index))

    def _on_data_channel(self, channel: RTCDataChannel) -> None:
        self.emit("datachannel", channel)

    def _on_dtls_state(self, state: str) -> None:
        if self._dtls is not None and not self._closed:
            self._dtls._set_state(state)
        # The remote side hung up (or the transport broke): no more media will come.
        if state in ("closed", "failed"):
            self._end_remote_tracks()

    def _on_track(self, track: RemoteStreamTrack, transceiver: RTCRtpTransceiver) -> None:
        streams = []
        for stream_id in track._native.stream_ids:
            stream = self._streams.get(stream_id)
            if stream is None:
                stream = self._streams[stream_id] = MediaStream(stream_id)
            stream._add(track)
            streams.append(stream)
        self.emit("track", RTCTrackEvent(track, transceiver.receiver, transceiver, streams))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._connectionState} signaling={self._signalingState}>"
