"""Exceptions raised by python-webrtc, named after the W3C DOMException names aiortc uses."""


class InternalError(Exception):
    """The engine failed in a way that is not the caller's fault."""


class InvalidAccessError(Exception):
    """The object does not support the operation (W3C InvalidAccessError)."""


class InvalidStateError(Exception):
    """The object is in a state that does not allow the operation (W3C InvalidStateError)."""


class InvalidModificationError(Exception):
    """A description was modified in a way the engine does not allow."""


class OperationError(Exception):
    """The operation failed for an operation-specific reason (W3C OperationError)."""


class RTCError(OperationError):
    """A failure that the W3C API reports as an RTCError (an RTCErrorEvent's ``error``).

    ``errorDetail`` is one of the spec's RTCErrorDetailType strings ("sctp-failure",
    "data-channel-failure", ...); ``sctpCauseCode`` is the SCTP cause of an aborted
    association, when the peer gave one.
    """

    def __init__(self, message: str, errorDetail: str, sctpCauseCode: int | None = None) -> None:
        super().__init__(message)
        self.errorDetail = errorDetail
        self.sctpCauseCode = sctpCauseCode


# libwebrtc's RTCErrorDetailType, in its order; NONE is a data channel's own failure.
_RTC_ERROR_DETAILS = (
    "data-channel-failure",  # NONE
    "data-channel-failure",
    "dtls-failure",
    "fingerprint-failure",
    "sctp-failure",
    "sdp-syntax-error",
    "hardware-encoder-not-available",
    "hardware-encoder-error",
)


def rtc_error_from_native(detail: int, sctp_cause: int, message: str) -> RTCError:
    """The RTCError for libwebrtc's RTCErrorDetailType `detail` (-1: no SCTP cause)."""
    name = _RTC_ERROR_DETAILS[detail] if 0 <= detail < len(_RTC_ERROR_DETAILS) else "data-channel-failure"
    return RTCError(message, name, sctp_cause if sctp_cause >= 0 else None)


class MessageTooLargeError(TypeError, ValueError):
    """A data channel message exceeds the remote side's maximum message size.

    The W3C API raises TypeError here and aiortc raises ValueError: this is both.
    """


# libwebrtc's RTCErrorType values, in its order (api/rtc_error.h).
_RTC_ERROR_TYPES = {
    1: OperationError,  # UNSUPPORTED_OPERATION
    2: OperationError,  # UNSUPPORTED_PARAMETER
    3: ValueError,  # INVALID_PARAMETER
    4: ValueError,  # INVALID_RANGE
    5: ValueError,  # SYNTAX_ERROR
    6: InvalidStateError,  # INVALID_STATE
    7: InvalidModificationError,  # INVALID_MODIFICATION
    8: OperationError,  # NETWORK_ERROR
    9: OperationError,  # RESOURCE_EXHAUSTED
    10: InternalError,  # INTERNAL_ERROR
    11: OperationError,  # OPERATION_ERROR_WITH_DATA
}


def error_from_native(error_type: int, message: str) -> Exception:
    """The exception for a libwebrtc RTCErrorType (-1: message too large)."""
    if error_type == -1:
        return MessageTooLargeError(message)
    return _RTC_ERROR_TYPES.get(error_type, InternalError)(message)
