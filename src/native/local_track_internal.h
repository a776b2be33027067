// libwebrtc-facing side of LocalTrack, for our .cpp files only.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
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

  // References to the track and the source (null once released), for callers on any thread:
  // a push may run while Shutdown() releases them.
  rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> Track() const {
    std::lock_guard lock(mutex);
    return track;
  }
  rtc::scoped_refptr<rtc::RefCountInterface> Source() const {
    std::lock_guard lock(mutex);
    return source;
  }

  const std::string kind;
  const std::string id;
  mutable std::mutex mutex;
  // Set once at creation, before any other thread sees them; taken by Release().
  rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> track;  // guarded by mutex
  rtc::scoped_refptr<rtc::RefCountInterface> source;  // our PushAudio/PushVideo source; same
  std::function<void()> stop;                          // stops the source's clock, if any
  std::atomic<bool> released{false};
};

// The libwebrtc track a LocalTrack sends (null once released).
inline rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> TrackOf(const LocalTrack& track) {
  return track.impl().Track();
}

}  // namespace pywebrtc
