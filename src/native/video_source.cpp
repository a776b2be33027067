// VideoSource: pictures from Python, converted to I420 with libyuv on the caller's thread
// (the GIL released) and handed to the encoder through libwebrtc's adapted track source,
// which applies the encoder's frame-rate and resolution requests.
#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "api/video/i420_buffer.h"
#include "api/video/video_frame.h"
#include "common_video/include/video_frame_buffer_pool.h"
#include "local_track_internal.h"
#include "media/base/adapted_video_track_source.h"
#include "rtc_base/time_utils.h"
#include "third_party/libyuv/include/libyuv.h"
#include "video_frame.h"
#include "video_frame_internal.h"

namespace pywebrtc {
namespace {

class PushVideoSource : public rtc::AdaptedVideoTrackSource {
 public:
  PushVideoSource() : rtc::AdaptedVideoTrackSource(/*required_alignment=*/1) {}

  SourceState state() const override { return kLive; }
  bool remote() const override { return false; }
  bool is_screencast() const override { return false; }
  // VP8's denoiser would otherwise run on every frame: our pictures are synthetic or
  // already clean, and it costs CPU.
  absl::optional<bool> needs_denoising() const override { return false; }

  // Any thread; one frame at a time.
  bool Deliver(rtc::scoped_refptr<webrtc::VideoFrameBuffer> buffer,
               webrtc::VideoRotation rotation, int64_t capture_time_us) {
    std::lock_guard lock(mutex_);
    // Stamp the frame with the time its pts gives, not with when Python got round to
    // pushing it: event-loop jitter would otherwise reach the RTP timestamps (and a
    // recorder on the far side that rounds them to frame slots). Never in the future, and
    // never more than kMaxLateUs behind: a frame that late is stamped now.
    int64_t now_us = rtc::TimeMicros();
    if (capture_time_us >= 0 && capture_time_us < now_us &&
        capture_time_us > now_us - kMaxLateUs) {
      now_us = capture_time_us;
    }
    // The encoder drops a frame whose millisecond is not later than the last one's.
    if (now_us < last_us_ + 1000) now_us = last_us_ + 1000;
    int out_w, out_h, crop_w, crop_h, crop_x, crop_y;
    if (!AdaptFrame(buffer->width(), buffer->height(), now_us, &out_w, &out_h, &crop_w,
                    &crop_h, &crop_x, &crop_y)) {
      ++dropped_;
      return false;
    }
    if (out_w != buffer->width() || out_h != buffer->height()) {
      auto scaled = pool_.CreateI420Buffer(out_w, out_h);
      scaled->CropAndScaleFrom(*buffer->ToI420(), crop_x, crop_y, crop_w, crop_h);
      buffer = scaled;
    }
    last_us_ = now_us;
    ++sent_;
    OnFrame(webrtc::VideoFrame::Builder()
                .set_video_frame_buffer(std::move(buffer))
                .set_rotation(rotation)
                .set_timestamp_us(now_us)
                .build());
    return true;
  }

  rtc::scoped_refptr<webrtc::I420Buffer> NewBuffer(int width, int height) {
    std::lock_guard lock(mutex_);
    return pool_.CreateI420Buffer(width, height);
  }

  uint64_t sent() const { std::lock_guard lock(mutex_); return sent_; }
  uint64_t dropped() const { std::lock_guard lock(mutex_); return dropped_; }

 private:
  static constexpr int64_t kMaxLateUs = 200'000;

  mutable std::mutex mutex_;
  // The encoder may hold a few frames; the pool recycles their buffers once it lets go.
  webrtc::VideoFrameBufferPool pool_{false, 8};  // guarded by mutex_
  int64_t last_us_ = 0;                          // guarded by mutex_
  uint64_t sent_ = 0, dropped_ = 0;              // guarded by mutex_
};

// Our source, or null once released (a reference: Shutdown() may release it meanwhile).
rtc::scoped_refptr<PushVideoSource> SourceOf(const LocalTrack::Impl& impl) {
  if (impl.released) return nullptr;
  auto source = impl.Source();
  return rtc::scoped_refptr<PushVideoSource>(static_cast<PushVideoSource*>(
      static_cast<webrtc::VideoTrackSourceInterface*>(source.get())));
}

std::shared_ptr<LocalTrack::Impl> CreateVideoTrack(const std::string& id) {
  const EngineUse engine = UseEngine();
  auto impl = std::make_shared<LocalTrack::Impl>("video", id);
  auto source = rtc::make_ref_counted<PushVideoSource>();
  impl->track = engine->factory->CreateVideoTrack(id, source.get());
  impl->source = source;
  return impl;
}

webrtc::VideoRotation ToRotation(int degrees) {
  switch (degrees) {
    case 0: return webrtc::kVideoRotation_0;
    case 90: return webrtc::kVideoRotation_90;
    case 180: return webrtc::kVideoRotation_180;
    case 270: return webrtc::kVideoRotation_270;
  }
  throw std::invalid_argument("rotation must be 0, 90, 180 or 270");
}

// Checks that `plane` holds `rows` rows of `row_bytes`.
void CheckPlane(const VideoSource::Plane& plane, int rows, int row_bytes, const char* name) {
  if (plane.stride < row_bytes) {
    throw std::invalid_argument(std::string(name) + " plane: stride " +
                                std::to_string(plane.stride) + " is less than a row (" +
                                std::to_string(row_bytes) + " bytes)");
  }
  const size_t needed = static_cast<size_t>(plane.stride) * (rows - 1) + row_bytes;
  if (plane.size < needed) {
    throw std::invalid_argument(std::string(name) + " plane: " + std::to_string(plane.size) +
                                " bytes, needs " + std::to_string(needed));
  }
}

}  // namespace

VideoSource::VideoSource(const std::string& id) : LocalTrack(CreateVideoTrack(id)) {}

bool VideoSource::Push(Format format, int width, int height, const Plane* planes,
                       size_t plane_count, int rotation, int64_t capture_time_us) {
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384) {
    throw std::invalid_argument("frame size must be from 1x1 to 16384x16384");
  }
  const webrtc::VideoRotation video_rotation = ToRotation(rotation);
  const size_t expected = format == Format::kI420 ? 3 : format == Format::kNV12 ? 2 : 1;
  if (plane_count != expected) {
    throw std::invalid_argument("expected " + std::to_string(expected) + " planes");
  }
  const int cw = (width + 1) / 2, ch = (height + 1) / 2;
  switch (format) {
    case Format::kI420:
      CheckPlane(planes[0], height, width, "Y");
      CheckPlane(planes[1], ch, cw, "U");
      CheckPlane(planes[2], ch, cw, "V");
      break;
    case Format::kNV12:
      CheckPlane(planes[0], height, width, "Y");
      CheckPlane(planes[1], ch, cw * 2, "UV");
      break;
    case Format::kRgb24:
    case Format::kBgr24:
      CheckPlane(planes[0], height, width * 3, "packed");
      break;
    case Format::kRgba:
    case Format::kBgra:
      CheckPlane(planes[0], height, width * 4, "packed");
      break;
  }
  auto source = SourceOf(*impl_);
  if (!source) return false;
  auto buffer = source->NewBuffer(width, height);
  if (!buffer) return false;  // every pooled buffer is still with the encoder
  uint8_t* y = buffer->MutableDataY();
  uint8_t* u = buffer->MutableDataU();
  uint8_t* v = buffer->MutableDataV();
  const int sy = buffer->StrideY(), su = buffer->StrideU(), sv = buffer->StrideV();
  const Plane& p = planes[0];
  switch (format) {
    case Format::kI420:
      libyuv::I420Copy(p.data, p.stride, planes[1].data, planes[1].stride, planes[2].data,
                       planes[2].stride, y, sy, u, su, v, sv, width, height);
      break;
    case Format::kNV12:
      libyuv::NV12ToI420(p.data, p.stride, planes[1].data, planes[1].stride, y, sy, u, su, v,
                         sv, width, height);
      break;
    // libyuv names packed formats by their order in a little-endian word: PyAV's rgb24 is
    // its RAW, bgr24 its RGB24, rgba its ABGR and bgra its ARGB.
    case Format::kRgb24:
      libyuv::RAWToI420(p.data, p.stride, y, sy, u, su, v, sv, width, height);
      break;
    case Format::kBgr24:
      libyuv::RGB24ToI420(p.data, p.stride, y, sy, u, su, v, sv, width, height);
      break;
    case Format::kRgba:
      libyuv::ABGRToI420(p.data, p.stride, y, sy, u, su, v, sv, width, height);
      break;
    case Format::kBgra:
      libyuv::ARGBToI420(p.data, p.stride, y, sy, u, su, v, sv, width, height);
      break;
  }
  return source->Deliver(buffer, video_rotation, capture_time_us);
}

bool VideoSource::PushFrame(const VideoFrame& frame, int64_t capture_time_us) {
  auto source = SourceOf(*impl_);
  if (!source) return false;
  const VideoFrame::Buffer& buffer = frame.buffer();
  return source->Deliver(buffer.source, buffer.rotation, capture_time_us);
}

uint64_t VideoSource::frames_sent() const {
  auto source = SourceOf(*impl_);
  return source ? source->sent() : 0;
}
uint64_t VideoSource::frames_dropped() const {
  auto source = SourceOf(*impl_);
  return source ? source->dropped() : 0;
}

}  // namespace pywebrtc
