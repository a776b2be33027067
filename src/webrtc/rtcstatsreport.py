"""RTCStatsReport: https://w3c.github.io/webrtc-pc/#rtcstatsreport-object"""

from __future__ import annotations

import json


class RTCStatsReport(dict):
    """Statistics by id. Each value is a dict of the W3C stats dictionary's members
    (``type``, ``id``, ``timestamp`` in milliseconds, and the type's own fields)."""

    @classmethod
    def _from_json(cls, text: str) -> RTCStatsReport:
        report = cls()
        for stats in json.loads(text or "[]"):
            # This libwebrtc writes microseconds; the W3C timestamp is in milliseconds.
            if isinstance(stats.get("timestamp"), (int, float)):
                stats["timestamp"] = stats["timestamp"] / 1000
            report[stats["id"]] = stats
        return report

    def of_type(self, stats_type: str) -> list[dict]:
        """The stats of one type, e.g. ``"data-channel"`` or ``"candidate-pair"``."""
        return [stats for stats in self.values() if stats.get("type") == stats_type]
