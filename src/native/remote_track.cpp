#include "remote_track.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>

#include "api/video/video_sink_interface.h"
#include "remote_track_internal.h"
#include "sample_fifo.h"
#include "video_frame_internal.h"

namespace pywebrtc {
namespace {
std::atomic<size_t> g_live_tracks{0};

// About a third of a second of video: a consumer that falls behind sees recent pictures, and
// the decoder's buffer pool (which the queued frames borrow from) is never drained.
constexpr size_t kDefaultVideoQueue = 10;
// Half a second of 20 ms audio frames.
constexpr size_t kDefaultAudioQueue = 25;
}  // namespace

struct RemoteTrack::Impl : public rtc::VideoSinkInterface<webrtc::VideoFrame>,
                           public webrtc::AudioTrackSinkInterface,
                           public webrtc::ObserverInterface {
  Impl(rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> track, EventQueuePtr queue)
      : track(std::move(track)),
        queue(std::move(queue)),
        kind(this->track->kind()),
        id(this->track->id()),
        max_queue(kind == "video" ? kDefaultVideoQueue : kDefaultAudioQueue) {
    ++g_live_tracks;
  }
  ~Impl() override { --g_live_tracks; }

  uint64_t handle() const { return reinterpret_cast<uintptr_t>(this); }

  // Decoder thread.
  void OnFrame(const webrtc::VideoFrame& frame) override {
    const uint32_t timestamp = frame.timestamp();
    auto buffer = std::make_shared<VideoFrame::Buffer>(frame.video_frame_buffer(),
                                                       frame.rotation(), frame.color_space());
    std::lock_guard lock(mutex);
    if (ended) return;
    if (!have_first_timestamp) {
      have_first_timestamp = true;
    } else {
      // RTP timestamps wrap at 2^32; the signed difference carries across the wrap.
      video_pts += static_cast<int32_t>(timestamp - last_timestamp);
    }
    last_timestamp = timestamp;
    video.push_back(std::make_shared<VideoFrame>(std::move(buffer), video_pts));
    if (video.size() > max_queue) {
      video.pop_front();
      ++dropped;
    }
    Delivered();
  }

  // Audio playout thread, 10 ms at a time, at the rate and channel count of the decoder.
  void OnData(const void* audio_data, int bits_per_sample, int sample_rate,
              size_t number_of_channels, size_t number_of_frames) override {
    if (bits_per_sample != 16 || number_of_channels == 0 || sample_rate <= 0) return;
    const auto* in = static_cast<const int16_t*>(audio_data);
    const size_t values = number_of_frames * number_of_channels;
    std::lock_guard lock(mutex);
    if (ended) return;
    if (!audio_started) {
      // Until the first packet, the receive stream plays muted audio at a placeholder rate;
      // aiortc delivers nothing then. Start at the first sound, or at the format change the
      // first packet brings (a silent sender is still delivered).
      const bool sound = std::any_of(in, in + values, [](int16_t v) { return v != 0; });
      const bool changed = placeholder_rate != 0 && (placeholder_rate != sample_rate ||
                                                     placeholder_channels != number_of_channels);
      if (!sound && !changed) {
        placeholder_rate = sample_rate;
        placeholder_channels = number_of_channels;
        return;
      }
      audio_started = true;
    }
    const bool upmix = upmix_mono && number_of_channels == 1 && sample_rate == 48000;
    const int channels = upmix ? 2 : static_cast<int>(number_of_channels);
    if (pending.rate() != sample_rate || pending.channels() != channels) {
      // A new format starts a new frame (the partial one goes); pts keeps counting time.
      if (pending.rate() > 0) audio_pts = audio_pts * sample_rate / pending.rate();
      pending.Reset(sample_rate, channels);
      pending_pts = audio_pts;
    }
    if (upmix) {
      pending.AppendUpmixed(in, number_of_frames);
    } else {
      pending.Append(in, number_of_frames);
    }
    const size_t frame_samples = static_cast<size_t>(sample_rate / 50);  // 20 ms
    while (pending.frames() >= frame_samples) {
      auto frame = std::make_shared<AudioFrame>();
      pending.Take(frame_samples, frame->data);
      frame->sample_rate = sample_rate;
      frame->channels = channels;
      frame->pts = pending_pts;
      pending_pts += static_cast<int64_t>(frame_samples);
      audio_pts = pending_pts;
      audio.push_back(std::move(frame));
      if (audio.size() > max_queue) {
        audio.pop_front();
        ++dropped;
      }
      Delivered();
    }
  }

  // Signaling thread: the libwebrtc track changed (ended when its receiver stops).
  void OnChanged() override {
    if (track && track->state() == webrtc::MediaStreamTrackInterface::kEnded) MarkEnded();
  }

  // With mutex held: count the frame and wake Python if it asked.
  void Delivered() {
    ++received;
    if (armed) {
      armed = false;
      queue->Push({handle(), EventKind::kTrackData});
    }
  }

  void MarkEnded() {
    {
      std::lock_guard lock(mutex);
      if (ended) return;
      ended = true;
      armed = false;
    }
    queue->Push({handle(), EventKind::kTrackEnded});
  }

  void Attach() {
    track->RegisterObserver(this);
    if (kind == "video") {
      rtc::VideoSinkWants wants;
      wants.rotation_applied = false;  // rotation is applied when a frame is converted
      static_cast<webrtc::VideoTrackInterface*>(track.get())->AddOrUpdateSink(this, wants);
    } else {
      static_cast<webrtc::AudioTrackInterface*>(track.get())->AddSink(this);
    }
    attached = true;
  }

  void Detach() {
    if (attached) {
      if (kind == "video") {
        static_cast<webrtc::VideoTrackInterface*>(track.get())->RemoveSink(this);
      } else {
        static_cast<webrtc::AudioTrackInterface*>(track.get())->RemoveSink(this);
      }
      track->UnregisterObserver(this);
      attached = false;
    }
    MarkEnded();
    track = nullptr;
  }

  rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> track;  // signaling thread
  bool attached = false;                                         // signaling thread
  const EventQueuePtr queue;
  const std::string kind;
  const std::string id;

  mutable std::mutex mutex;
  // Everything below is guarded by mutex.
  std::vector<std::string> stream_ids;
  std::deque<std::shared_ptr<VideoFrame>> video;
  std::deque<std::shared_ptr<AudioFrame>> audio;
  size_t max_queue;
  bool armed = false;
  bool ended = false;
  bool upmix_mono = false;
  uint64_t received = 0;
  uint64_t dropped = 0;
  bool have_first_timestamp = false;
  uint32_t last_timestamp = 0;
  int64_t video_pts = 0;
  int64_t audio_pts = 0;
  SampleFifo pending;     // audio gathered towards the next 20 ms frame
  int64_t pending_pts = 0;  // pts of its first sample
  bool audio_started = false;
  int placeholder_rate = 0;
  size_t placeholder_channels = 0;
};

std::shared_ptr<RemoteTrack::Impl> AttachRemoteTrack(
    rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> track, EventQueuePtr queue) {
  auto impl = std::make_shared<RemoteTrack::Impl>(std::move(track), std::move(queue));
  impl->Attach();
  return impl;
}

void DetachRemoteTrack(RemoteTrack::Impl& impl) { impl.Detach(); }

void SetStreamIds(RemoteTrack::Impl& impl, std::vector<std::string> stream_ids) {
  std::lock_guard lock(impl.mutex);
  impl.stream_ids = std::move(stream_ids);
}

bool IsTrackOf(const RemoteTrack::Impl& impl, const webrtc::MediaStreamTrackInterface* track) {
  return impl.track.get() == track;
}

uint64_t TrackHandle(const RemoteTrack::Impl& impl) { return impl.handle(); }

rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> LibwebrtcTrack(
    const RemoteTrack::Impl& impl) {
  return impl.track;
}

size_t LiveRemoteTracks() { return g_live_tracks; }

RemoteTrack::RemoteTrack(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

uint64_t RemoteTrack::handle() const { return impl_->handle(); }
const std::string& RemoteTrack::kind() const { return impl_->kind; }
const std::string& RemoteTrack::id() const { return impl_->id; }

std::vector<std::string> RemoteTrack::stream_ids() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stream_ids;
}

std::shared_ptr<VideoFrame> RemoteTrack::TakeVideo() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->video.empty()) return nullptr;
  auto frame = std::move(impl_->video.front());
  impl_->video.pop_front();
  return frame;
}

std::shared_ptr<AudioFrame> RemoteTrack::TakeAudio() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->audio.empty()) return nullptr;
  auto frame = std::move(impl_->audio.front());
  impl_->audio.pop_front();
  return frame;
}

bool RemoteTrack::Arm() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->ended || !impl_->video.empty() || !impl_->audio.empty()) return false;
  impl_->armed = true;
  return true;
}

bool RemoteTrack::ended() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->ended;
}

uint64_t RemoteTrack::frames_received() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->received;
}

uint64_t RemoteTrack::frames_dropped() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->dropped;
}

size_t RemoteTrack::queued() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->video.size() + impl_->audio.size();
}

size_t RemoteTrack::max_queue() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->max_queue;
}

void RemoteTrack::set_max_queue(size_t frames) {
  if (frames < 1) frames = 1;
  std::lock_guard lock(impl_->mutex);
  impl_->max_queue = frames;
  while (impl_->video.size() > frames) {
    impl_->video.pop_front();
    ++impl_->dropped;
  }
  while (impl_->audio.size() > frames) {
    impl_->audio.pop_front();
    ++impl_->dropped;
  }
}

void RemoteTrack::set_upmix_mono(bool upmix) {
  std::lock_guard lock(impl_->mutex);
  impl_->upmix_mono = upmix;
}

}  // namespace pywebrtc
