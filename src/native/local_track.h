// Tracks we send: a source that Python feeds, with its libwebrtc track. Audio goes into a
// small buffer that a native clock drains in 10 ms chunks (silence when it runs short), so
// uneven Python timing neither cracks the sound nor builds latency. Video frames are
// converted to I420 (libyuv) on the caller's thread and handed to the encoder at once.
// Plain types only: libwebrtc stays in the .cpp files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace pywebrtc {

class VideoFrame;

class LocalTrack {
 public:
  struct Impl;  // the libwebrtc track and source (local_track_internal.h)
  virtual ~LocalTrack();
  LocalTrack(const LocalTrack&) = delete;
  LocalTrack& operator=(const LocalTrack&) = delete;

  const std::string& kind() const;
  const std::string& id() const;
  Impl& impl() const { return *impl_; }

 protected:
  explicit LocalTrack(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

class AudioSource : public LocalTrack {
 public:
  explicit AudioSource(const std::string& id);

  // Appends `frames` frames of s16 interleaved samples. Rates that are a multiple of 100 Hz
  // from 8 to 48 kHz, 1 or 2 channels; throws std::invalid_argument otherwise. A new rate or
  // channel count drops what was still queued in the old one. Never waits; beyond a second
  // of queued audio the oldest is dropped (a caller ignoring buffered_ms()).
  void Push(const int16_t* samples, size_t frames, int sample_rate, int channels);
  // Queued audio not yet sent, in milliseconds.
  double buffered_ms() const;
  uint64_t samples_sent() const;    // per channel, sound and silence
  uint64_t silent_chunks() const;   // 10 ms chunks sent (partly) as silence: underruns
  uint64_t samples_dropped() const;
  void Clear();
};

class VideoSource : public LocalTrack {
 public:
  enum class Format { kI420, kNV12, kRgb24, kBgr24, kRgba, kBgra };
  struct Plane {
    const uint8_t* data;
    size_t size;  // bytes readable from data
    int stride;
  };

  explicit VideoSource(const std::string& id);

  // Converts one picture to I420 and hands it to the encoder. Planes as the format has them
  // (3 for I420, 2 for NV12, 1 for the packed formats). `capture_time_us` is when the frame
  // is due on libwebrtc's clock (CLOCK_MONOTONIC, as asyncio's loop.time()), from its pts;
  // negative means now. Thread-safe; call without the GIL. Returns false when the source's
  // adapter drops the frame (frame-rate or resolution requests of the encoder). Throws
  // std::invalid_argument for sizes that do not add up.
  bool Push(Format format, int width, int height, const Plane* planes, size_t plane_count,
            int rotation, int64_t capture_time_us = -1);
  // A received frame, sent on by reference (no conversion).
  bool PushFrame(const VideoFrame& frame, int64_t capture_time_us = -1);

  uint64_t frames_sent() const;
  uint64_t frames_dropped() const;
};

// Live native sources, for leak tests.
size_t LiveLocalTracks();

}  // namespace pywebrtc
