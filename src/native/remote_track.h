// The receiving end of a remote audio or video track. A sink on the libwebrtc track puts
// frames in a bounded queue (the oldest is dropped when full, and counted); Python takes them
// on its loop, after a kTrackData event when it had asked for one. Plain types only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "audio_frame.h"
#include "video_frame.h"

namespace pywebrtc {

class RemoteTrack {
 public:
  struct Impl;
  explicit RemoteTrack(std::shared_ptr<Impl> impl);

  uint64_t handle() const;
  const std::string& kind() const;  // "audio" or "video"
  const std::string& id() const;    // the sender's track id
  std::vector<std::string> stream_ids() const;

  // The oldest waiting frame, or null (a video track never has audio, and back).
  std::shared_ptr<VideoFrame> TakeVideo();
  std::shared_ptr<AudioFrame> TakeAudio();
  // Ask for one kTrackData event when the next frame arrives. Returns false, asking for
  // nothing, when a frame is already waiting or the track has ended.
  bool Arm();
  bool ended() const;

  uint64_t frames_received() const;
  uint64_t frames_dropped() const;
  size_t queued() const;
  size_t max_queue() const;
  void set_max_queue(size_t frames);  // at least 1
  // Audio only: deliver 48 kHz mono (Opus) as stereo, as aiortc does.
  void set_upmix_mono(bool upmix);

  Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace pywebrtc
