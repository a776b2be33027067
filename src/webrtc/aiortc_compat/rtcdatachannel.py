"""aiortc.rtcdatachannel: RTCDataChannel with aiortc 1.16's behaviour."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..rtcdatachannel import RTCDataChannel as _W3CDataChannel


@dataclass
class RTCDataChannelParameters:
    """The parameters of a data channel, as aiortc's createDataChannel takes them."""

    label: str = ""
    maxPacketLifeTime: int | None = None
    maxRetransmits: int | None = None
    ordered: bool = True
    protocol: str = ""
    negotiated: bool = False
    id: int | None = None


class RTCDataChannel(_W3CDataChannel):
    """Differences from the W3C channel, as in aiortc: only exact ``str`` and ``bytes`` can be
    sent (ValueError otherwise), a remotely opened channel is announced already open, and
    listeners are dropped after ``close``."""

    _logger = logging.getLogger("aiortc.rtcdatachannel")

    @property
    def transport(self):
        """The connection's RTCSctpTransport."""
        return self._pc.sctp

    def _coerce(self, data: object) -> bytes:
        # send() calls this for anything that is not exactly str or bytes: aiortc refuses it.
        raise ValueError(f"Cannot send unsupported data type: {type(data)}")

    def _on_closed(self) -> None:
        super()._on_closed()
        self.remove_all_listeners()


__all__ = ["RTCDataChannel", "RTCDataChannelParameters"]
