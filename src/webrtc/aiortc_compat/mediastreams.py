"""aiortc.mediastreams: the track base class custom tracks derive from."""

from ..mediastreams import (
    AUDIO_PTIME,
    AudioStreamTrack,
    VideoStreamTrack,
    VIDEO_CLOCK_RATE,
    VIDEO_PTIME,
    VIDEO_TIME_BASE,
    MediaStreamError,
    MediaStreamTrack,
    TimeBase,
    convert_timebase,
)

__all__ = [
    "AUDIO_PTIME",
    "AudioStreamTrack",
    "VideoStreamTrack",
    "VIDEO_CLOCK_RATE",
    "VIDEO_PTIME",
    "VIDEO_TIME_BASE",
    "MediaStreamError",
    "MediaStreamTrack",
    "TimeBase",
    "convert_timebase",
]
