"""RTCDataChannel: https://w3c.github.io/webrtc-pc/#rtcdatachannel"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pyee.asyncio import AsyncIOEventEmitter

from . import _native
from .exceptions import InvalidStateError, RTCError, rtc_error_from_native

if TYPE_CHECKING:
    from .rtcpeerconnection import RTCPeerConnection

# Native DataChannelState order.
_STATES = ("connecting", "open", "closing", "closed")


# The pyee internals _on_message() uses (pyee 11 to 13 have them).
_PYEE_INTERNALS = all(
    hasattr(AsyncIOEventEmitter(), name) for name in ("_events", "_lock", "_emit_run")
)


class RTCDataChannel(AsyncIOEventEmitter):
    """A bidirectional message channel over the connection's SCTP association.

    Events: ``open``, ``message`` (data), ``bufferedamountlow``, ``closing``, ``close``,
    ``error`` (exception). Created by :meth:`RTCPeerConnection.createDataChannel` or
    delivered by the connection's ``datachannel`` event. State changes are logged at debug
    level (logger ``webrtc.rtcdatachannel``).
    """

    _logger = logging.getLogger(__name__)

    def __init__(self, native: Any, peer_connection: RTCPeerConnection) -> None:
        super().__init__()
        info = native.info()
        self._native = native
        self._pc = peer_connection
        (
            self._label,
            self._ordered,
            self._maxRetransmits,
            self._maxPacketLifeTime,
            self._protocol,
            self._negotiated,
            native_id,
            state,
        ) = info
        self._id = native_id if native_id >= 0 else None
        self._readyState = _STATES[state]

    # Attributes (read-only, as in the spec).
    label = property(lambda self: self._label, doc="The label given at creation.")
    ordered = property(lambda self: self._ordered)
    maxRetransmits = property(lambda self: self._maxRetransmits)
    maxPacketLifeTime = property(lambda self: self._maxPacketLifeTime)
    protocol = property(lambda self: self._protocol)
    negotiated = property(lambda self: self._negotiated)

    @property
    def id(self) -> int | None:
        """The SCTP stream id, or None until the association has picked one."""
        return self._id

    @property
    def readyState(self) -> str:
        """"connecting", "open", "closing" or "closed"."""
        return self._readyState

    @property
    def bufferedAmount(self) -> int:
        """Bytes queued by send() and not yet handed to the SCTP transport."""
        return self._native.buffered_amount

    @property
    def bufferedAmountLowThreshold(self) -> int:
        return self._native.buffered_amount_low_threshold

    @bufferedAmountLowThreshold.setter
    def bufferedAmountLowThreshold(self, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFFFFFFFF:
            raise ValueError("bufferedAmountLowThreshold must be in range 0 - 4294967295")
        self._native.buffered_amount_low_threshold = value

    @property
    def binaryType(self) -> str:
        return "arraybuffer"

    def send(self, data: str | bytes | bytearray | memoryview) -> None:
        """Queue a message: str goes as text, bytes-like objects as binary."""
        self._pc._pump.bind()
        if self._readyState != "open":
            raise InvalidStateError(f"RTCDataChannel is not open (readyState {self._readyState!r})")
        if type(data) is not str and type(data) is not bytes:
            data = self._coerce(data)
        self._native.send(data, self._pc._max_message_size())

    def _coerce(self, data: Any) -> str | bytes:
        """The payload to send for anything that is not exactly str or bytes."""
        if isinstance(data, (bytearray, memoryview)):
            return bytes(data)
        if isinstance(data, (str, bytes)):  # subclasses
            return str(data) if isinstance(data, str) else bytes(data)
        raise TypeError(f"Cannot send unsupported data type: {type(data)}")

    def close(self) -> None:
        """Start the closing procedure; queued messages are still delivered first."""
        if self._readyState in ("closing", "closed"):
            return
        self._pc._pump.bind()
        # Closing waits until everything queued so far has been sent.
        self._readyState = "closing"
        self._native.close()

    # Events from the native side, on the loop.
    def _on_state(self, state: int, native_id: int) -> None:
        if native_id >= 0:
            self._id = native_id
        new_state = _STATES[state]
        # "closed" is final, also when this side decided it before libwebrtc did.
        if new_state == self._readyState or self._readyState == "closed":
            return
        self._logger.debug("RTCDataChannel(%r, id %s) readyState is now %s (was %s)",
                           self._label, self._id, new_state, self._readyState)
        self._readyState = new_state
        if new_state == "open":
            self.emit("open")
        elif new_state == "closing":
            self.emit("closing")
        elif new_state == "closed":
            self._on_closed()

    def _on_closed(self) -> None:
        self._pc._forget_channel(self)
        self.emit("close")

    def _on_message(self, data: str | bytes) -> None:
        # pyee's emit() costs about 4 us a call (a lock, a fresh OrderedDict, an ABC check of
        # every handler's result), more than everything else a message costs in Python. Same
        # semantics, for the common case of plain functions: a handler's exception goes to
        # "error", and a coroutine or future it returns goes through pyee's own scheduling.
        if not _PYEE_INTERNALS:
            self.emit("message", data)
            return
        handlers = self._events.get("message")
        if not handlers:
            return
        with self._lock:
            funcs = list(handlers.values())
        for f in funcs:
            try:
                result = f(data)
            except Exception as exc:
                self.emit("error", exc)
                continue
            if result is not None:
                self._emit_run(lambda result=result: result, (), {})

    def _on_event(self, kind: int, a: int, b: int, payload: Any) -> None:
        if kind == _native.EVENT_CHANNEL_MESSAGE:
            self._on_message(payload)
        elif kind == _native.EVENT_CHANNEL_STATE:
            self._on_state(a, b)
        elif kind == _native.EVENT_CHANNEL_BUFFERED_AMOUNT_LOW:
            self.emit("bufferedamountlow")
        elif kind == _native.EVENT_CHANNEL_ERROR:
            if a == 0:
                self._emit_error(RuntimeError(payload))
                return
            error = rtc_error_from_native(a - 1, b, payload)
            if error.errorDetail == "sctp-failure":
                self._pc._on_sctp_failure()
            self._emit_error(error)

    def _fail(self, error: RTCError) -> None:
        """Close at once without libwebrtc: the association under the channel is gone. The
        events come on the loop's next turn, after the caller has had the channel."""
        self._readyState = "closed"
        self._pc._forget_channel(self)
        self._native.close()

        def announce() -> None:
            self._emit_error(error)
            self._on_closed()

        loop = self._pc._pump.loop
        if loop is not None:  # without one, nobody can be listening yet
            loop.call_soon(announce)

    def _emit_error(self, error: Exception) -> None:
        if self.listeners("error"):
            self.emit("error", error)

    def __repr__(self) -> str:
        return f"<RTCDataChannel label={self._label!r} id={self._id} {self._readyState}>"
