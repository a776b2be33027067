"""H.264 profile-level-id (RFC 6184 section 8.1): the profile and level that a
``profile-level-id`` fmtp value names, as aiortc.sdp reads it.

The value is three hex bytes: profile_idc, profile_iop (the constraint_set flags) and
level_idc. A profile is recognised by its profile_idc together with a pattern on the
constraint flags; the table is libwebrtc's (media/base/h264_profile_level_id), which aiortc
follows.
"""

from __future__ import annotations

import enum

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


class BitPattern:
    """An 8-bit pattern such as ``"x1xx0000"``, most significant bit first: ``0`` and ``1``
    must match, ``x`` matches either."""

    def __init__(self, v: str) -> None:
        if len(v) != 8 or set(v) - set("01x"):
            raise ValueError(f"a bit pattern is 8 characters of '0', '1' or 'x' (got {v!r})")
        self._significant = int("".join("0" if bit == "x" else "1" for bit in v), 2)
        self._expected = int(v.replace("x", "0"), 2)

    def matches(self, v: int) -> bool:
        return v & self._significant == self._expected


class H264Profile(enum.Enum):
    PROFILE_CONSTRAINED_BASELINE = 0
    PROFILE_BASELINE = 1
    PROFILE_MAIN = 2
    PROFILE_CONSTRAINED_HIGH = 3
    PROFILE_HIGH = 4
    PROFILE_PREDICTIVE_HIGH_444 = 5


class H264Level(enum.IntEnum):
    """level_idc values; level 1b has no level_idc of its own (it is 11 with constraint_set3),
    so it gets -1."""

    LEVEL1_B = -1
    LEVEL1 = 10
    LEVEL1_1 = 11
    LEVEL1_2 = 12
    LEVEL1_3 = 13
    LEVEL2 = 20
    LEVEL2_1 = 21
    LEVEL2_2 = 22
    LEVEL3 = 30
    LEVEL3_1 = 31
    LEVEL3_2 = 32
    LEVEL4 = 40
    LEVEL4_1 = 41
    LEVEL4_2 = 42
    LEVEL5 = 50
    LEVEL5_1 = 51
    LEVEL5_2 = 52


# (profile_idc, constraint flags, profile); the first row that matches wins.
_PROFILES = [
    (0x42, BitPattern("x1xx0000"), H264Profile.PROFILE_CONSTRAINED_BASELINE),
    (0x4D, BitPattern("1xxx0000"), H264Profile.PROFILE_CONSTRAINED_BASELINE),
    (0x58, BitPattern("11xx0000"), H264Profile.PROFILE_CONSTRAINED_BASELINE),
    (0x42, BitPattern("x0xx0000"), H264Profile.PROFILE_BASELINE),
    (0x58, BitPattern("10xx0000"), H264Profile.PROFILE_BASELINE),
    (0x4D, BitPattern("0x0x0000"), H264Profile.PROFILE_MAIN),
    (0x64, BitPattern("00000000"), H264Profile.PROFILE_HIGH),
    (0x64, BitPattern("00001100"), H264Profile.PROFILE_CONSTRAINED_HIGH),
    (0xF4, BitPattern("00000000"), H264Profile.PROFILE_PREDICTIVE_HIGH_444),
]

_CONSTRAINT_SET3 = 0x10


def parse_h264_profile_level_id(profile_str: str) -> tuple[H264Profile, H264Level]:
    """The profile and level of a profile-level-id such as ``"42e01f"``. Raises ValueError
    for anything that is not six hex digits (what follows them is ignored, as aiortc does),
    for an unknown level and for an unknown profile."""
    if not isinstance(profile_str, str) or len(profile_str) < 6 or not _HEX_DIGITS.issuperset(
        profile_str[:6]
    ):
        raise ValueError("Expected a 6 character hexadecimal string")
    profile_idc = int(profile_str[0:2], 16)
    profile_iop = int(profile_str[2:4], 16)
    level_idc = int(profile_str[4:6], 16)

    if level_idc == H264Level.LEVEL1_1 and profile_iop & _CONSTRAINT_SET3:
        level = H264Level.LEVEL1_B
    else:
        level = H264Level(level_idc)  # ValueError for a level_idc H.264 does not define

    for idc, flags, profile in _PROFILES:
        if idc == profile_idc and flags.matches(profile_iop):
            return profile, level
    raise ValueError(
        f"Unrecognized profile_iop = {profile_iop}, profile_idc = {profile_idc}"
    )
