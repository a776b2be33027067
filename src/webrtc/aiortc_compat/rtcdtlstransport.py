"""aiortc.rtcdtlstransport: the DTLS transport as a connection shows it, and certificates.

libwebrtc runs DTLS; this is a view of it (state, the ICE transport under it, our
fingerprint). The ORTC methods that would drive a transport by hand (``start``, ``stop``)
raise InvalidStateError: the connection owns the transport. A connection offers one
fingerprint (sha-256) in its SDP, where aiortc offers three; ``RTCCertificate`` gives
all three, as aiortc's does.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from .. import _native
from .._sdpsection import transport_attributes
from ..exceptions import InvalidStateError
from ..rtcdtlstransport import RTCDtlsTransport as _W3CDtlsTransport

# The digests aiortc lists for a certificate, in its order.
FINGERPRINT_ALGORITHMS = ("sha-256", "sha-384", "sha-512")

# a=setup value -> aiortc's DTLS role.
_ROLE_OF_SETUP = {"actpass": "auto", "active": "client", "passive": "server"}


@dataclass
class RTCDtlsFingerprint:
    """A certificate digest: ``algorithm`` ("sha-256", ...) and ``value`` ("AB:CD:...")."""

    algorithm: str
    value: str


@dataclass
class RTCDtlsParameters:
    """The DTLS parameters of one side: its fingerprints and role."""

    fingerprints: list[RTCDtlsFingerprint] = field(default_factory=list)
    role: str = "auto"


class RTCCertificate:
    """An ECDSA P-256 key with its self-signed X.509 certificate, made by libwebrtc."""

    def __init__(self, native: Any) -> None:
        self._native = native

    @classmethod
    def generateCertificate(cls) -> RTCCertificate:
        """A new certificate, valid for 30 days as libwebrtc makes them."""
        return cls(_native.Certificate.generate())

    @property
    def expires(self) -> datetime.datetime:
        """When the certificate stops being valid (UTC)."""
        return datetime.datetime.fromtimestamp(self._native.expires / 1000, tz=datetime.timezone.utc)

    def getFingerprints(self) -> list[RTCDtlsFingerprint]:
        return [RTCDtlsFingerprint(algorithm, self._native.fingerprint(algorithm))
                for algorithm in FINGERPRINT_ALGORITHMS]

    def __repr__(self) -> str:
        return f"<RTCCertificate expires={self.expires.isoformat()}>"


class RTCDtlsTransport(_W3CDtlsTransport):
    """aiortc's names: ``transport`` (the RTCIceTransport), ``state``, ``getLocalParameters()``."""

    _logger = logging.getLogger("aiortc.rtcdtlstransport")

    @property
    def transport(self):
        return self._ice_transport

    def getLocalParameters(self) -> RTCDtlsParameters:
        """Our fingerprint and role, from the local description (empty before one is set)."""
        found = transport_attributes(self._ice_transport._local_sdp())
        role = _ROLE_OF_SETUP.get(found.setup or "actpass", "auto")
        if role == "auto":
            # We offered actpass: the answer's setup decides.
            remote = transport_attributes(self._ice_transport._remote_sdp()).setup
            role = {"active": "server", "passive": "client"}.get(remote or "", "auto")
        return RTCDtlsParameters(
            fingerprints=[RTCDtlsFingerprint(algorithm, value) for algorithm, value in found.fingerprints],
            role=role,
        )

    async def start(self, remoteParameters: RTCDtlsParameters) -> None:
        raise InvalidStateError(
            "RTCDtlsTransport is run by its RTCPeerConnection: set descriptions to start it"
        )

    async def stop(self) -> None:
        raise InvalidStateError(
            "RTCDtlsTransport is run by its RTCPeerConnection: close the connection to stop it"
        )


__all__ = ["RTCCertificate", "RTCDtlsFingerprint", "RTCDtlsParameters", "RTCDtlsTransport"]
