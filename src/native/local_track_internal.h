// libwebrtc-facing side of LocalTrack, for our .cpp files only.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "api/media_stream_interface.h"
#include "engine_internal.h"
#include "local_track.h"

namespace pywebrtc {

struct LocalTrack::Impl : public Closable {
  Impl(std::string kind, std::string id);
  ~Impl();

  // The libwebrtc objects go to the signaling thread to be released there (or now, once the
  // engine is shut down). Idempotent.
  void Release();
  void CloseForShutdown() override;

  const std::string kind;
  const std::string id;
  // Set once at creation; released by Release().
  rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> track;
  rtc::scoped_refptr<rtc::RefCountInterface> source;  // our PushAudio/PushVideo source
  std::function<void()> stop;                          // stops the source's clock, if any
  std::atomic<bool> released{false};
};

// The libwebrtc track a LocalTrack sends.
inline rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> TrackOf(const LocalTrack& track) {
  return track.impl().track;
}

}  // namespace pywebrtc
