"""aiortc.exceptions: the same classes as :mod:`webrtc.exceptions`."""

from ..exceptions import InternalError, InvalidAccessError, InvalidStateError, OperationError

__all__ = ["InternalError", "InvalidAccessError", "InvalidStateError", "OperationError"]
