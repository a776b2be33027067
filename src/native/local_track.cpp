#include "local_track_internal.h"

namespace pywebrtc {
namespace {
std::atomic<size_t> g_live_local_tracks{0};
}  // namespace

size_t LiveLocalTracks() { return g_live_local_tracks; }

LocalTrack::Impl::Impl(std::string kind, std::string id)
    : kind(std::move(kind)), id(std::move(id)) {
  ++g_live_local_tracks;
  RegisterClosable(this);
}

LocalTrack::Impl::~Impl() {
  UnregisterClosable(this);
  Release();
  --g_live_local_tracks;
}

void LocalTrack::Impl::Release() {
  if (released.exchange(true)) return;
  if (stop) stop();
  rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> old_track;
  rtc::scoped_refptr<rtc::RefCountInterface> old_source;
  {
    std::lock_guard lock(mutex);
    old_track = std::move(track);
    old_source = std::move(source);
  }
  rtc::Thread* signaling = SignalingThreadOrNull();
  if (signaling && !signaling->IsCurrent()) {
    // A video track is a proxy bound to the signaling and worker threads: release it there.
    signaling->PostTask([track = std::move(old_track), source = std::move(old_source)]() mutable {
      track = nullptr;
      source = nullptr;
    });
  }
  // Otherwise (on the signaling thread, or after shutdown) they go here.
}

void LocalTrack::Impl::CloseForShutdown() {
  // Shutdown() still runs the signaling thread: release there and wait.
  if (released.exchange(true)) return;
  if (stop) stop();
  rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> old_track;
  rtc::scoped_refptr<rtc::RefCountInterface> old_source;
  {
    std::lock_guard lock(mutex);
    old_track = std::move(track);
    old_source = std::move(source);
  }
  RunOnSignaling([&] {
    old_track = nullptr;
    old_source = nullptr;
  });
}

LocalTrack::LocalTrack(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalTrack::~LocalTrack() = default;

const std::string& LocalTrack::kind() const { return impl_->kind; }
const std::string& LocalTrack::id() const { return impl_->id; }

}  // namespace pywebrtc
