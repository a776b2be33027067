"""aiortc.stats: RTCStatsReport as aiortc returns it, a dict of objects with attributes.

aiortc's own report holds five types (transport, inbound-rtp, outbound-rtp,
remote-inbound-rtp, remote-outbound-rtp). Ours holds every type libwebrtc collects, with
the same W3C member names, so code that picks types and reads fields runs unchanged.
``timestamp`` is a ``datetime``, as in aiortc.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from ..rtcstatsreport import RTCStatsReport as _W3CReport


class RTCStats(SimpleNamespace):
    """One stats object: ``type``, ``id``, ``timestamp`` and the type's fields."""


class RTCStatsReport(dict):
    """Statistics by id, like aiortc's report; ``add(stats)`` adds one."""

    def add(self, stats: RTCStats) -> None:
        self[stats.id] = stats

    @classmethod
    def _from_w3c(cls, report: _W3CReport) -> RTCStatsReport:
        converted = cls()
        for stats in report.values():
            fields = dict(stats)
            milliseconds = fields.get("timestamp")
            if isinstance(milliseconds, (int, float)):
                fields["timestamp"] = datetime.datetime.fromtimestamp(
                    milliseconds / 1000, tz=datetime.timezone.utc
                )
            converted.add(RTCStats(**fields))
        return converted


__all__ = ["RTCStats", "RTCStatsReport"]
