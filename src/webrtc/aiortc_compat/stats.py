"""aiortc.stats: RTCStatsReport as aiortc returns it, a dict of dataclasses.

The five types aiortc reports (transport, inbound-rtp, outbound-rtp, remote-inbound-rtp,
remote-outbound-rtp) come as aiortc's dataclasses, filled from libwebrtc's stats. Every other
member libwebrtc collects is kept as an extra attribute of the same object, and the types
aiortc does not have (candidate-pair, codec, data-channel, ...) come as plain ``RTCStats``
objects with their members as attributes. ``timestamp`` is a ``datetime``, as in aiortc.
``jitter`` is in seconds (libwebrtc's unit; aiortc reports RTP timestamp units).
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

from ..rtcstatsreport import RTCStatsReport as _W3CReport


@dataclass
class RTCStats:
    """What every stats object has."""

    timestamp: datetime.datetime
    type: str
    id: str


@dataclass
class RTCRtpStreamStats(RTCStats):
    ssrc: int
    kind: str
    transportId: str


@dataclass
class RTCReceivedRtpStreamStats(RTCRtpStreamStats):
    packetsReceived: int
    packetsLost: int
    jitter: int


@dataclass
class RTCSentRtpStreamStats(RTCRtpStreamStats):
    packetsSent: int
    bytesSent: int


@dataclass
class RTCInboundRtpStreamStats(RTCReceivedRtpStreamStats):
    """An RTP stream this side receives."""


@dataclass
class RTCRemoteInboundRtpStreamStats(RTCReceivedRtpStreamStats):
    """How the remote side receives one of our streams (from its RTCP receiver reports)."""

    roundTripTime: float
    fractionLost: float


@dataclass
class RTCOutboundRtpStreamStats(RTCSentRtpStreamStats):
    """An RTP stream this side sends."""

    trackId: str


@dataclass
class RTCRemoteOutboundRtpStreamStats(RTCSentRtpStreamStats):
    """How the remote side sends a stream we receive (from its RTCP sender reports)."""

    remoteTimestamp: datetime.datetime | None = None


@dataclass
class RTCTransportStats(RTCStats):
    packetsSent: int
    packetsReceived: int
    bytesSent: int
    bytesReceived: int
    iceRole: str
    dtlsState: str


class RTCStatsReport(dict):
    """Statistics by id, like aiortc's report; ``add(stats)`` adds one."""

    def add(self, stats: RTCStats) -> None:
        self[stats.id] = stats

    @classmethod
    def _from_w3c(cls, report: _W3CReport) -> RTCStatsReport:
        converted = cls()
        for stats in report.values():
            converted.add(_convert(dict(stats), report))
        return converted


_CLASSES: dict[str, type[RTCStats]] = {
    "inbound-rtp": RTCInboundRtpStreamStats,
    "outbound-rtp": RTCOutboundRtpStreamStats,
    "remote-inbound-rtp": RTCRemoteInboundRtpStreamStats,
    "remote-outbound-rtp": RTCRemoteOutboundRtpStreamStats,
    "transport": RTCTransportStats,
}


def _datetime(milliseconds: Any) -> Any:
    if isinstance(milliseconds, (int, float)):
        return datetime.datetime.fromtimestamp(milliseconds / 1000, tz=datetime.timezone.utc)
    return milliseconds


def _convert(fields: dict[str, Any], report: _W3CReport) -> RTCStats:
    fields["timestamp"] = _datetime(fields.get("timestamp"))
    stats_type = fields.get("type")
    if stats_type == "remote-outbound-rtp":
        fields["remoteTimestamp"] = _datetime(fields.get("remoteTimestamp"))
    elif stats_type == "outbound-rtp":
        # aiortc names the track; this libwebrtc's own trackId is a deprecated placeholder,
        # and its media source names the track.
        source = report.get(fields.get("mediaSourceId", ""), {})
        fields["trackId"] = source.get("trackIdentifier")
    elif stats_type == "transport":
        # libwebrtc counts packets only on the selected candidate pair.
        pair = report.get(fields.get("selectedCandidatePairId", ""), {})
        fields.setdefault("packetsSent", pair.get("packetsSent", 0))
        fields.setdefault("packetsReceived", pair.get("packetsReceived", 0))
        fields.setdefault("iceRole", fields.get("iceRole", "unknown"))
    cls = _CLASSES.get(stats_type, RTCStats)
    names = [field.name for field in dataclasses.fields(cls)]
    stats = cls(**{name: fields.pop(name, None) for name in names})
    for name, value in fields.items():
        setattr(stats, name, value)  # the members aiortc does not define, kept as attributes
    return stats


__all__ = [
    "RTCStats",
    "RTCRtpStreamStats",
    "RTCReceivedRtpStreamStats",
    "RTCSentRtpStreamStats",
    "RTCInboundRtpStreamStats",
    "RTCRemoteInboundRtpStreamStats",
    "RTCOutboundRtpStreamStats",
    "RTCRemoteOutboundRtpStreamStats",
    "RTCTransportStats",
    "RTCStatsReport",
]
