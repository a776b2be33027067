"""Thin bindings over libwebrtc (Debian's tg_owt build)."""

from collections.abc import Sequence

import numpy
from numpy.typing import NDArray


def allow_loopback(allow: bool = True) -> None:
    """
    Gather host candidates on loopback interfaces (for peer connections created later).
    """

def loopback_allowed() -> bool: ...

def set_log_level(level: str) -> None:
    """
    libwebrtc's own logging to stderr: none, error, warning, info or verbose.
    """

def engine_started() -> bool: ...

def live_peer_connections() -> int:
    """Native peer connections not yet destroyed (for leak tests)."""

def live_data_channels() -> int:
    """Native data channels not yet destroyed (for leak tests)."""

def live_remote_tracks() -> int:
    """Native remote tracks not yet destroyed (for leak tests)."""

def live_event_queues() -> int:
    """
    Native event queues (each with an eventfd) not yet destroyed (for leak tests).
    """

def live_local_tracks() -> int:
    """Native sources of sent tracks not yet destroyed (for leak tests)."""

def shutdown() -> None:
    """
    Close every peer connection and stop the engine's threads (done at exit).
    """

EVENT_SIGNALING_STATE: int = 1

EVENT_ICE_GATHERING_STATE: int = 2

EVENT_ICE_CONNECTION_STATE: int = 3

EVENT_CONNECTION_STATE: int = 4

EVENT_ICE_CANDIDATE: int = 5

EVENT_ICE_CANDIDATE_ERROR: int = 6

EVENT_NEGOTIATION_NEEDED: int = 7

EVENT_DATA_CHANNEL: int = 8

EVENT_REQUEST_DONE: int = 9

EVENT_DTLS_STATE: int = 10

EVENT_TRACK: int = 11

EVENT_TRACK_DATA: int = 200

EVENT_TRACK_ENDED: int = 201

EVENT_CHANNEL_STATE: int = 100

EVENT_CHANNEL_MESSAGE: int = 101

EVENT_CHANNEL_BUFFERED_AMOUNT_LOW: int = 102

EVENT_CHANNEL_ERROR: int = 103

class DataChannel:
    """Native half of an RTCDataChannel."""

    @property
    def handle(self) -> int: ...

    def info(self) -> tuple:
        """
        (label, ordered, maxRetransmits, maxPacketLifeTime, protocol, negotiated, id, state) as created.
        """

    def send(self, data: object, max_message_size: int) -> int:
        """Queue a str (UTF-8) or bytes message; returns its size in bytes."""

    @property
    def buffered_amount(self) -> int: ...

    @property
    def direct_path(self) -> bool:
        """Whether sends go straight to the SCTP transport (network thread)."""

    @property
    def direct_messages_sent(self) -> int: ...

    @property
    def direct_bytes_sent(self) -> int: ...

    @property
    def buffered_amount_low_threshold(self) -> int: ...

    @buffered_amount_low_threshold.setter
    def buffered_amount_low_threshold(self, arg: int, /) -> None: ...

    def close(self) -> None: ...

class VideoFrame:
    """A decoded picture, held by reference to the decoder's buffer."""

    @staticmethod
    def from_yuv420p(data: bytes, width: int, height: int, rotation: int = 0, pts: int = 0) -> VideoFrame:
        """
        A frame from packed yuv420p planes; `rotation` as a sender would ask for it.
        """

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...

    @property
    def pts(self) -> int:
        """RTP time (90 kHz) since the track's first frame."""

    @property
    def rotation(self) -> int:
        """Degrees the sender asked to rotate by (conversions apply it)."""

    def to_ndarray(self, format: str = 'yuv420p') -> NDArray[numpy.uint8]:
        """The picture as a new uint8 array, laid out as PyAV does."""

    def to_bytes(self, format: str) -> bytes:
        """The picture in `format`, rows packed, as bytes."""

    def to_scratch(self, format: str) -> object:
        """
        The picture in `format` in this thread's scratch buffer, as a read-only memoryview that the next call on this thread overwrites.
        """

class AudioFrame:
    """20 ms of received audio, s16 interleaved."""

    @property
    def sample_rate(self) -> int: ...

    @property
    def channels(self) -> int: ...

    @property
    def pts(self) -> int:
        """Samples since the track's first frame."""

    @property
    def samples(self) -> int:
        """Samples per channel."""

    def to_ndarray(self) -> NDArray[numpy.int16]:
        """
        A new int16 array of shape (1, samples * channels), PyAV's packed layout.
        """

class RemoteTrack:
    """Native half of a received track."""

    @property
    def handle(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def id(self) -> str: ...

    @property
    def stream_ids(self) -> list[str]: ...

    def take(self) -> object:
        """The oldest waiting frame (VideoFrame or AudioFrame), or None."""

    def arm(self) -> bool:
        """
        Ask for one EVENT_TRACK_DATA when the next frame comes; False (asking nothing) if a frame already waits or the track ended.
        """

    @property
    def ended(self) -> bool: ...

    @property
    def frames_received(self) -> int: ...

    @property
    def frames_dropped(self) -> int: ...

    @property
    def queued(self) -> int: ...

    @property
    def max_queue(self) -> int: ...

    @max_queue.setter
    def max_queue(self, arg: int, /) -> None: ...

    def set_upmix_mono(self, upmix: bool) -> None: ...

class LocalTrack:
    """Native source of a track we send."""

    @property
    def kind(self) -> str: ...

    @property
    def id(self) -> str: ...

class AudioSource(LocalTrack):
    """Audio we send: a buffer drained by a native 10 ms clock."""

    def __init__(self, id: str) -> None: ...

    def push(self, data: object, sample_rate: int, channels: int) -> None:
        """Queue s16 interleaved samples (any buffer). Never waits."""

    @property
    def buffered_ms(self) -> float: ...

    @property
    def samples_sent(self) -> int: ...

    @property
    def silent_chunks(self) -> int: ...

    @property
    def samples_dropped(self) -> int: ...

    def clear(self) -> None: ...

class VideoSource(LocalTrack):
    """Video we send: pictures converted to I420 and encoded natively."""

    def __init__(self, id: str) -> None: ...

    def push(self, format: str, width: int, height: int, planes: Sequence, strides: Sequence[int], rotation: int = 0, capture_time_us: int = -1) -> bool:
        """
        Convert and send one picture; False when the encoder's adapter drops it. capture_time_us: when it is due, on time.monotonic()'s clock (default: now).
        """

    def push_frame(self, frame: VideoFrame, capture_time_us: int = -1) -> bool:
        """Send a received frame on, by reference."""

    @property
    def frames_sent(self) -> int: ...

    @property
    def frames_dropped(self) -> int: ...

def get_capabilities(kind: str, sender: bool) -> tuple:
    """
    ([(mimeType, clockRate, channels, parameters)], [header extension URI]).
    """

class PeerConnection:
    """Native half of an RTCPeerConnection."""

    def __init__(self, ice_servers: Sequence[tuple[Sequence[str], str, str]], ice_transport_policy: str = 'all', bundle_policy: str = 'balanced') -> None: ...

    @property
    def fd(self) -> int:
        """eventfd, readable while events wait."""

    def drain(self) -> list:
        """Take the waiting events: [(target, kind, a, b, payload, payload2)]."""

    def create_offer(self, request: int, ice_restart: bool = False) -> None: ...

    def create_answer(self, request: int) -> None: ...

    def set_local_description(self, request: int, type: str, sdp: str) -> None: ...

    def set_remote_description(self, request: int, type: str, sdp: str) -> None: ...

    def add_ice_candidate(self, request: int, candidate: str, mid: str, mline_index: int) -> None: ...

    def get_stats(self, request: int) -> None: ...

    def restart_ice(self) -> None: ...

    def create_data_channel(self, label: str, ordered: bool, max_retransmits: int | None, max_packet_life_time: int | None, protocol: str, negotiated: bool, id: int | None) -> DataChannel: ...

    def transceivers(self) -> list:
        """[(mid, kind, direction, currentDirection, stopped)] in creation order."""

    def set_transceiver_direction(self, index: int, direction: str) -> None: ...

    def stop_transceiver(self, index: int) -> None: ...

    def take_data_channel(self, handle: int) -> DataChannel: ...

    def add_transceiver(self, kind: str, direction: str) -> int:
        """Returns the new transceiver's index."""

    def receiver_track(self, index: int) -> RemoteTrack:
        """The index-th transceiver's remote track, or None once closed."""

    def local_description(self, which: str = '') -> object:
        """
        (type, sdp) or None; which: '' (pending, else current), 'current' or 'pending'.
        """

    def add_track(self, track: object, stream_ids: Sequence[str]) -> int:
        """
        Send a LocalTrack (or forward a RemoteTrack); returns the transceiver's index.
        """

    def add_transceiver_with_track(self, track: object, direction: str, stream_ids: Sequence[str]) -> int: ...

    def set_sender_track(self, index: int, track: object | None) -> None:
        """A LocalTrack, a RemoteTrack, or None."""

    def set_sender_streams(self, index: int, stream_ids: Sequence[str]) -> None: ...

    def remove_track(self, index: int) -> None: ...

    def set_codec_preferences(self, index: int, codecs: Sequence[tuple[str, int, int | None, Sequence[tuple[str, str]]]]) -> None: ...

    def get_sender_parameters(self, index: int) -> tuple:
        """
        (degradationPreference, [(active, maxBitrate, maxFramerate, scaleResolutionDownBy)]).
        """

    def set_sender_parameters(self, index: int, degradation_preference: str, encodings: Sequence[tuple[bool, int | None, float | None, float | None]]) -> None: ...

    def set_start_bitrate(self, bits_per_second: int) -> None: ...

    def get_sender_stats(self, request: int, index: int) -> None: ...

    def get_receiver_stats(self, request: int, index: int) -> None: ...

    def get_receiver_sources(self, index: int) -> list[tuple[int, int, bool]]:
        """
        [(milliseconds since last heard, source, is_contributing)] of the last 10 s.
        """

    def close(self) -> None: ...

class Certificate:
    """An ECDSA P-256 DTLS certificate."""

    @staticmethod
    def generate(expires_ms: int | None = None) -> Certificate:
        """A new key and self-signed certificate, valid for expires_ms."""

    @property
    def expires(self) -> int:
        """Milliseconds since the Unix epoch when it stops being valid."""

    def fingerprint(self, algorithm: str) -> str:
        """The digest in RFC 4572 form (upper-case hex pairs joined by colons)."""

    def to_pem(self) -> tuple[str, str]:
        """(private key, certificate), both PEM."""
