"""The transport attributes of a description's first media section (with BUNDLE, every
section shares that transport): ICE credentials, DTLS fingerprints and role, candidates."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TransportAttributes:
    mid: str | None = None
    ice_ufrag: str | None = None
    ice_pwd: str | None = None
    ice_lite: bool = False
    setup: str | None = None
    fingerprints: list[tuple[str, str]] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)  # "candidate:..." lines
    end_of_candidates: bool = False


def transport_attributes(sdp: str | None) -> TransportAttributes:
    found = TransportAttributes()
    if not sdp:
        return found
    section = 0  # 0: session level, 1: first media section, 2: later sections
    for raw in sdp.splitlines():
        line = raw.strip()
        if line.startswith("m="):
            section += 1
            if section > 1:
                break
            continue
        if not line.startswith("a="):
            continue
        name, _, value = line[2:].partition(":")
        if name == "ice-lite":
            found.ice_lite = True
        elif name == "ice-ufrag":
            found.ice_ufrag = value
        elif name == "ice-pwd":
            found.ice_pwd = value
        elif name == "fingerprint" and " " in value:
            algorithm, digest = value.split(" ", 1)
            found.fingerprints.append((algorithm.lower(), digest.strip()))
        elif name == "setup":
            found.setup = value
        elif section == 1 and name == "mid":
            found.mid = value
        elif section == 1 and name == "candidate":
            found.candidates.append(line[2:])
        elif section == 1 and name == "end-of-candidates":
            found.end_of_candidates = True
    return found
