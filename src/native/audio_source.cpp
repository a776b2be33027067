// AudioSource: Python pushes s16 audio into a buffer; a clock on the engine's audio task
// queue takes 10 ms from it every 10 ms and hands that to the sending streams (libwebrtc's
// encoders take exactly 10 ms per call). A short buffer is topped up with silence at once,
// so an underrun costs a gap, not latency.
#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "api/notifier.h"
#include "api/units/time_delta.h"
#include "local_track_internal.h"
#include "rtc_base/task_utils/repeating_task.h"
#include "sample_fifo.h"

namespace pywebrtc {
namespace {

// More than this is never queued: the oldest goes (a pusher that ignores buffered_ms()).
constexpr int kMaxBufferedMs = 1000;
// 10 ms chunks to gather before playing starts or resumes.
constexpr size_t kPrebufferChunks = 3;

class PushAudioSource : public webrtc::Notifier<webrtc::AudioSourceInterface> {
 public:
  SourceState state() const override { return kLive; }
  bool remote() const override { return false; }

  // Signaling or worker thread (the senders attaching).
  void AddSink(webrtc::AudioTrackSinkInterface* sink) override {
    std::lock_guard lock(sinks_mutex_);
    if (std::find(sinks_.begin(), sinks_.end(), sink) == sinks_.end()) sinks_.push_back(sink);
  }
  void RemoveSink(webrtc::AudioTrackSinkInterface* sink) override {
    std::lock_guard lock(sinks_mutex_);
    sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
  }

  void Push(const int16_t* samples, size_t frames, int sample_rate, int channels) {
    std::lock_guard lock(mutex_);
    if (sample_rate != buffer_.rate() || channels != buffer_.channels()) {
      dropped_ += buffer_.Reset(sample_rate, channels);
    }
    buffer_.Append(samples, frames);
    dropped_ += buffer_.Trim(static_cast<size_t>(sample_rate) * kMaxBufferedMs / 1000);
  }

  double buffered_ms() const {
    std::lock_guard lock(mutex_);
    if (!buffer_.rate()) return 0;
    return 1000.0 * static_cast<double>(buffer_.frames()) / buffer_.rate();
  }

  void Clear() {
    std::lock_guard lock(mutex_);
    buffer_.Clear();
  }

  uint64_t sent() const { std::lock_guard lock(mutex_); return sent_; }
  uint64_t silent() const { std::lock_guard lock(mutex_); return silent_; }
  uint64_t dropped() const { std::lock_guard lock(mutex_); return dropped_; }

  // The audio task queue, every 10 ms.
  void Tick() {
    int rate, channels;
    {
      std::lock_guard lock(mutex_);
      // Before the first push, 48 kHz mono silence keeps the stream going (as aiortc's
      // sender does once a track is attached).
      rate = buffer_.rate() ? buffer_.rate() : 48000;
      channels = buffer_.rate() ? buffer_.channels() : 1;
      const size_t chunk = static_cast<size_t>(rate / 100);
      // After an underrun (and at the start) wait for a little audio before playing again,
      // so a pusher that keeps pace with the clock, but not to the millisecond, does not
      // alternate between sound and silence every chunk.
      if (!playing_ && buffer_.frames() >= chunk * kPrebufferChunks) playing_ = true;
      if (!playing_ || !buffer_.Take(chunk, chunk_)) {
        playing_ = false;
        chunk_.assign(chunk * channels, 0);
        ++silent_;
      }
      sent_ += chunk;
    }
    std::lock_guard lock(sinks_mutex_);
    for (auto* sink : sinks_) {
      sink->OnData(chunk_.data(), 16, rate, static_cast<size_t>(channels),
                   static_cast<size_t>(rate / 100), absl::nullopt);
    }
  }

  // Audio task queue only.
  webrtc::RepeatingTaskHandle clock;

 private:
  mutable std::mutex mutex_;
  SampleFifo buffer_;           // guarded by mutex_
  bool playing_ = false;        // guarded by mutex_
  uint64_t sent_ = 0, silent_ = 0, dropped_ = 0;  // guarded by mutex_
  std::vector<int16_t> chunk_;  // the clock's
  std::mutex sinks_mutex_;
  std::vector<webrtc::AudioTrackSinkInterface*> sinks_;  // guarded by sinks_mutex_
};

// Our source, or null once released (a reference: Shutdown() may release it meanwhile).
rtc::scoped_refptr<PushAudioSource> SourceOf(const LocalTrack::Impl& impl) {
  if (impl.released) return nullptr;
  auto source = impl.Source();
  return rtc::scoped_refptr<PushAudioSource>(
      static_cast<PushAudioSource*>(static_cast<webrtc::AudioSourceInterface*>(source.get())));
}

std::shared_ptr<LocalTrack::Impl> CreateAudioTrack(const std::string& id) {
  const EngineUse engine = UseEngine();
  auto impl = std::make_shared<LocalTrack::Impl>("audio", id);
  auto source = rtc::make_ref_counted<PushAudioSource>();
  impl->track = engine->factory->CreateAudioTrack(id, source.get());
  impl->source = source;
  webrtc::TaskQueueBase* queue = engine->audio_send_queue;
  queue->PostTask([source] {
    // kHigh: the repeating task keeps its schedule without drift (no 17 ms slack).
    source->clock = webrtc::RepeatingTaskHandle::Start(
        webrtc::TaskQueueBase::Current(),
        [source = source.get()] {
          source->Tick();
          return webrtc::TimeDelta::Millis(10);
        },
        webrtc::TaskQueueBase::DelayPrecision::kHigh);
  });
  // The clock's task holds no reference: stopping it (on its queue) comes before the
  // source can go, because the stop task holds one.
  impl->stop = [source]() {
    if (webrtc::TaskQueueBase* queue = AudioSendQueueOrNull()) {
      queue->PostTask([source] { source->clock.Stop(); });
    }
  };
  return impl;
}

}  // namespace

AudioSource::AudioSource(const std::string& id) : LocalTrack(CreateAudioTrack(id)) {}

void AudioSource::Push(const int16_t* samples, size_t frames, int sample_rate, int channels) {
  if (sample_rate < 8000 || sample_rate > 48000 || sample_rate % 100) {
    throw std::invalid_argument("sample rate must be a multiple of 100 Hz from 8000 to 48000");
  }
  if (channels != 1 && channels != 2) throw std::invalid_argument("channels must be 1 or 2");
  if (auto source = SourceOf(*impl_)) source->Push(samples, frames, sample_rate, channels);
}

double AudioSource::buffered_ms() const {
  auto source = SourceOf(*impl_);
  return source ? source->buffered_ms() : 0.0;
}
uint64_t AudioSource::samples_sent() const {
  auto source = SourceOf(*impl_);
  return source ? source->sent() : 0;
}
uint64_t AudioSource::silent_chunks() const {
  auto source = SourceOf(*impl_);
  return source ? source->silent() : 0;
}
uint64_t AudioSource::samples_dropped() const {
  auto source = SourceOf(*impl_);
  return source ? source->dropped() : 0;
}
void AudioSource::Clear() {
  if (auto source = SourceOf(*impl_)) source->Clear();
}

}  // namespace pywebrtc
