"""RTCRtpSender: sends one track of a transceiver.

The sender owns a native source (audio or video) attached to libwebrtc's sender, and the
pump that feeds it from the track's ``recv()``. Pumping starts once the connection is
connected, as in aiortc, so a track's frames are not pulled (and lost) before anyone can
receive them.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import _native
from ._mediapump import MediaPump
from .exceptions import InvalidStateError
from .rtcrtpparameters import RTCRtpCapabilities, capabilities

if TYPE_CHECKING:
    from .rtcpeerconnection import RTCPeerConnection

DEGRADATION_PREFERENCES = ("maintain-framerate", "maintain-resolution", "balanced")


@dataclass
class RTCRtpEncodingParameters:
    """One encoding of a sender (W3C RTCRtpEncodingParameters, the members libwebrtc
    applies)."""

    active: bool = True
    maxBitrate: int | None = None
    maxFramerate: float | None = None
    scaleResolutionDownBy: float | None = None


@dataclass
class RTCRtpSendParameters:
    """What ``getParameters()`` returns and ``setParameters()`` takes."""

    encodings: list[RTCRtpEncodingParameters] = field(default_factory=list)
    degradationPreference: str | None = None


def new_source(track: Any) -> Any:
    """A native source for a track of kind "audio" or "video". A track received on one of
    our connections is its own source: libwebrtc forwards its frames, no Python between.
    So is a track that names, as ``_received_track``, a received track it passes on
    unchanged (a MediaRelay proxy of one)."""
    from .remotestreamtrack import RemoteStreamTrack

    received = track if isinstance(track, RemoteStreamTrack) else getattr(
        track, "_received_track", None)
    if isinstance(received, RemoteStreamTrack):
        return received._native
    if track.kind == "audio":
        return _native.AudioSource(track.id)
    return _native.VideoSource(track.id)


def check_track(track: Any) -> None:
    """TypeError unless `track` is something a sender can send."""
    kind = getattr(track, "kind", None)
    if kind not in ("audio", "video") or not callable(getattr(track, "recv", None)):
        raise TypeError(
            f"expected a MediaStreamTrack of kind 'audio' or 'video' (got {track!r})"
        )


class RTCRtpSender:
    """The sending half of a transceiver."""

    # Where what goes wrong with the sent track is logged (aiortc's layer uses aiortc's name).
    _logger = logging.getLogger(__name__)

    def __init__(self, kind: str, peer_connection: RTCPeerConnection | None = None,
                 index: int = -1) -> None:
        self._kind = kind
        self._pc = weakref.ref(peer_connection) if peer_connection is not None else None
        self._index = index
        self._track: Any = None
        self._source: Any = None
        self._pump: MediaPump | None = None
        self._forwarding = False  # sending a received track natively (no pump)

    @property
    def kind(self) -> str:
        """"audio" or "video"."""
        return self._kind

    @property
    def track(self) -> Any:
        """The track being sent, or None."""
        return self._track

    @property
    def transport(self) -> Any:
        """The connection's RTCDtlsTransport (None once the connection is gone)."""
        pc = self._pc() if self._pc is not None else None
        return pc._dtls_transport() if pc is not None else None

    @classmethod
    def getCapabilities(cls, kind: str) -> RTCRtpCapabilities | None:
        """The codecs and header extensions the engine can send for `kind` (None for an
        unknown kind, as in the W3C spec)."""
        if kind not in ("audio", "video"):
            return None
        return capabilities(kind, sender=True)

    # ---- the track ----

    def _connection(self) -> RTCPeerConnection:
        pc = self._pc() if self._pc is not None else None
        if pc is None or pc._closed:
            raise InvalidStateError("RTCPeerConnection is closed")
        return pc

    def _attach(self, track: Any, source: Any) -> None:
        """Take `track`, already attached natively through `source`."""
        self._stop_pump()
        self._track = track
        self._source = source
        pc = self._pc() if self._pc is not None else None
        if pc is not None and pc.connectionState == "connected":
            self._start()

    def _replace(self, track: Any) -> None:
        pc = self._connection()
        if track is not None:
            check_track(track)
            if track.kind != self.kind:
                raise TypeError(f"cannot replace a {self.kind} track with a {track.kind} track")
        if track is self._track:
            return
        source = new_source(track) if track is not None else None
        pc._native.set_sender_track(self._index, source)
        if track is None:
            self._detach()
        else:
            # Through the connection, which may set the sender up for the track first.
            pc._attach_sender(self, track, source)

    async def replaceTrack(self, track: Any) -> None:
        """Send `track` instead (None: send nothing), without renegotiation."""
        self._replace(track)

    def setStreams(self, *streams: Any) -> None:
        """The streams (MediaStream objects or ids) the remote side is told the track belongs
        to, from the next negotiation on."""
        pc = self._connection()
        pc._native.set_sender_streams(self._index, pc._stream_ids(streams))

    def _detach(self) -> None:
        self._stop_pump()
        self._track = None
        self._source = None

    def _start(self) -> None:
        """Start pumping (the connection is connected)."""
        if self._track is None or self._source is None:
            return
        if isinstance(self._source, _native.RemoteTrack):
            self._forwarding = True
            return
        if self._pump is None or self._pump.track is not self._track:
            self._pump = MediaPump(self._track, self._source, self._logger)
        self._pump.start()

    def _stop_pump(self) -> None:
        self._forwarding = False
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None

    def _close(self) -> None:
        """The connection closed: stop pumping, and end the track if it was being sent."""
        started = self._pump is not None or self._forwarding
        self._stop_pump()
        self._source = None  # the native source goes now; the track stays readable
        if started and self._track is not None:
            self._track.stop()

    # ---- parameters and stats ----

    def getParameters(self) -> RTCRtpSendParameters:
        degradation, encodings = self._connection()._native.get_sender_parameters(self._index)
        return RTCRtpSendParameters(
            encodings=[RTCRtpEncodingParameters(*encoding) for encoding in encodings],
            degradationPreference=degradation or None,
        )

    async def setParameters(self, parameters: RTCRtpSendParameters) -> None:
        """Apply encoding limits and the degradation preference."""
        if not isinstance(parameters, RTCRtpSendParameters):
            raise TypeError("setParameters expects RTCRtpSendParameters (from getParameters())")
        degradation = parameters.degradationPreference or ""
        if degradation and degradation not in DEGRADATION_PREFERENCES:
            raise TypeError(
                f"degradationPreference must be one of {DEGRADATION_PREFERENCES} "
                f"(got {degradation!r})"
            )
        encodings = []
        for encoding in parameters.encodings:
            if encoding.scaleResolutionDownBy is not None and encoding.scaleResolutionDownBy < 1:
                raise ValueError("scaleResolutionDownBy must be at least 1")
            encodings.append((bool(encoding.active), encoding.maxBitrate, encoding.maxFramerate,
                              encoding.scaleResolutionDownBy))
        self._connection()._native.set_sender_parameters(self._index, degradation, encodings)

    async def getStats(self):
        """Statistics of this sender (its outbound RTP stream and what it refers to)."""
        pc = self._connection()
        from .rtcstatsreport import RTCStatsReport

        report_json, _ = await pc._native_request(pc._native.get_sender_stats, self._index)
        return RTCStatsReport._from_json(report_json)

    def __repr__(self) -> str:
        return f"<RTCRtpSender {self.kind} track={self._track!r}>"
