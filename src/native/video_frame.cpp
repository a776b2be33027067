#include "video_frame.h"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <mutex>
#include <thread>

#include "api/video/i420_buffer.h"
#include "third_party/libyuv/include/libyuv.h"
#include "video_frame_internal.h"

namespace pywebrtc {
namespace {

// One helper thread converts the lower half of each picture while the caller converts the
// upper half: a 1080p frame is 6 MB of output, and libyuv's AVX2 rows are memory-bound enough
// that two cores finish in a bit over half the time. Leaked on purpose: it lives as long as
// the process and holds nothing but its own state.
class SplitWorker {
 public:
  static SplitWorker& Get() {
    static SplitWorker* worker = new SplitWorker();
    return *worker;
  }

  // Runs `lower` on the helper thread and `upper` here; returns when both are done. Callers
  // take turns (a conversion already in flight makes the next one run alone).
  void Run(const std::function<void()>& upper, const std::function<void()>& lower) {
    std::unique_lock busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) {
      upper();
      lower();
      return;
    }
    {
      std::lock_guard lock(mutex_);
      task_ = &lower;
      done_ = false;
    }
    wake_.notify_one();
    upper();
    std::unique_lock lock(mutex_);
    finished_.wait(lock, [&] { return done_; });
  }

 private:
  SplitWorker() { std::thread([this] { Loop(); }).detach(); }

  void Loop() {
    for (;;) {
      const std::function<void()>* task;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return task_ != nullptr; });
        task = task_;
      }
      (*task)();
      {
        std::lock_guard lock(mutex_);
        task_ = nullptr;
        done_ = true;
      }
      finished_.notify_one();
    }
  }

  std::mutex busy_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable finished_;
  const std::function<void()>* task_ = nullptr;  // guarded by mutex_
  bool done_ = true;                              // guarded by mutex_
};

// Pictures smaller than this convert on one thread: the hand-off would cost more than it saves.
constexpr int kSplitMinPixels = 640 * 360;

// Calls convert(first_row, rows) over the picture, in two halves split at an even row (so
// chroma rows split cleanly) when the picture is big enough.
void ForRowRanges(int width, int height, const std::function<void(int, int)>& convert) {
  if (width * height < kSplitMinPixels || height < 4) {
    convert(0, height);
    return;
  }
  const int split = (height / 2) & ~1;
  SplitWorker::Get().Run([&] { convert(0, split); },
                         [&] { convert(split, height - split); });
}

// The YUV to RGB matrix the sender used. Unsignalled streams are BT.601 limited range, which
// is what PyAV (so aiortc) assumes too.
struct Matrix {
  const libyuv::YuvConstants* yuv;  // for U, V in order: writes B, G, R(, A) bytes
  const libyuv::YuvConstants* yvu;  // for U, V swapped: writes R, G, B(, A) bytes
};

Matrix MatrixOf(const VideoFrame::Buffer& buffer) {
  using webrtc::ColorSpace;
  const bool full = buffer.range == ColorSpace::RangeID::kFull;
  switch (buffer.matrix) {
    case ColorSpace::MatrixID::kBT709:
      return full ? Matrix{&libyuv::kYuvF709Constants, &libyuv::kYvuF709Constants}
                  : Matrix{&libyuv::kYuvH709Constants, &libyuv::kYvuH709Constants};
    case ColorSpace::MatrixID::kBT2020_NCL:
      return full ? Matrix{&libyuv::kYuvV2020Constants, &libyuv::kYvuV2020Constants}
                  : Matrix{&libyuv::kYuv2020Constants, &libyuv::kYvu2020Constants};
    default:
      return full ? Matrix{&libyuv::kYuvJPEGConstants, &libyuv::kYvuJPEGConstants}
                  : Matrix{&libyuv::kYuvI601Constants, &libyuv::kYvuI601Constants};
  }
}

// Limited-range luma (16..235) to full-range gray, as swscale converts yuv420p to gray.
const std::array<uint8_t, 256>& GrayTable() {
  static const std::array<uint8_t, 256> table = [] {
    std::array<uint8_t, 256> out{};
    for (int y = 0; y < 256; ++y) {
      int value = ((y - 16) * 255 + 109) / 219;
      out[y] = static_cast<uint8_t>(std::clamp(value, 0, 255));
    }
    return out;
  }();
  return table;
}

}  // namespace

std::optional<PixelFormat> PixelFormatFromName(const std::string& name) {
  if (name == "rgb24") return PixelFormat::kRgb24;
  if (name == "bgr24") return PixelFormat::kBgr24;
  if (name == "rgba") return PixelFormat::kRgba;
  if (name == "bgra") return PixelFormat::kBgra;
  if (name == "gray" || name == "gray8") return PixelFormat::kGray;
  if (name == "yuv420p") return PixelFormat::kYuv420p;
  return std::nullopt;
}

int BytesPerPixel(PixelFormat format) {
  switch (format) {
    case PixelFormat::kRgb24:
    case PixelFormat::kBgr24: return 3;
    case PixelFormat::kRgba:
    case PixelFormat::kBgra: return 4;
    case PixelFormat::kGray: return 1;
    case PixelFormat::kYuv420p: return 0;
  }
  return 0;
}

const webrtc::I420BufferInterface& VideoFrame::Buffer::Upright() {
  std::call_once(once_, [&] {
    rtc::scoped_refptr<webrtc::I420BufferInterface> i420 = source->ToI420();
    if (rotation != webrtc::kVideoRotation_0) {
      upright_ = webrtc::I420Buffer::Rotate(*i420, rotation);
    } else {
      upright_ = std::move(i420);
    }
  });
  return *upright_;
}

VideoFrame::Buffer::Buffer(rtc::scoped_refptr<webrtc::VideoFrameBuffer> source,
                           webrtc::VideoRotation rotation,
                           const absl::optional<webrtc::ColorSpace>& color_space)
    : source(std::move(source)),
      rotation(rotation),
      matrix(color_space ? color_space->matrix() : webrtc::ColorSpace::MatrixID::kUnspecified),
      range(color_space ? color_space->range() : webrtc::ColorSpace::RangeID::kInvalid) {}

VideoFrame::VideoFrame(std::shared_ptr<Buffer> buffer, int64_t pts)
    : buffer_(std::move(buffer)), pts_(pts) {}

VideoFrame VideoFrame::FromYuv420p(const uint8_t* data, size_t size, int width, int height,
                                   int rotation, int64_t pts) {
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384) {
    throw std::invalid_argument("width and height must be between 1 and 16384");
  }
  if (rotation != 0 && rotation != 90 && rotation != 180 && rotation != 270) {
    throw std::invalid_argument("rotation must be 0, 90, 180 or 270");
  }
  const int cw = (width + 1) / 2, ch = (height + 1) / 2;
  const size_t expected = static_cast<size_t>(width) * height + 2 * static_cast<size_t>(cw) * ch;
  if (size != expected) {
    throw std::invalid_argument("yuv420p data of " + std::to_string(width) + "x" +
                                std::to_string(height) + " must hold " +
                                std::to_string(expected) + " bytes, not " + std::to_string(size));
  }
  const uint8_t* u = data + static_cast<size_t>(width) * height;
  const uint8_t* v = u + static_cast<size_t>(cw) * ch;
  auto i420 = webrtc::I420Buffer::Copy(width, height, data, width, u, cw, v, cw);
  auto buffer = std::make_shared<Buffer>(i420, static_cast<webrtc::VideoRotation>(rotation),
                                         absl::nullopt);
  return VideoFrame(std::move(buffer), pts);
}

int VideoFrame::rotation() const { return static_cast<int>(buffer_->rotation); }

namespace {
bool Sideways(const VideoFrame::Buffer& buffer) {
  return buffer.rotation == webrtc::kVideoRotation_90 ||
         buffer.rotation == webrtc::kVideoRotation_270;
}
}  // namespace

int VideoFrame::width() const {
  return Sideways(*buffer_) ? buffer_->source->height() : buffer_->source->width();
}

int VideoFrame::height() const {
  return Sideways(*buffer_) ? buffer_->source->width() : buffer_->source->height();
}

size_t VideoFrame::ConvertedSize(PixelFormat format) const {
  const size_t w = width(), h = height();
  if (format == PixelFormat::kYuv420p) return w * h + 2 * ((w + 1) / 2) * ((h + 1) / 2);
  return w * h * BytesPerPixel(format);
}

void VideoFrame::ConvertTo(PixelFormat format, uint8_t* dst) const {
  const webrtc::I420BufferInterface& src = buffer_->Upright();
  const int w = src.width(), h = src.height();
  if (format == PixelFormat::kYuv420p) {
    const int cw = (w + 1) / 2, ch = (h + 1) / 2;
    uint8_t* u = dst + static_cast<size_t>(w) * h;
    uint8_t* v = u + static_cast<size_t>(cw) * ch;
    libyuv::I420Copy(src.DataY(), src.StrideY(), src.DataU(), src.StrideU(), src.DataV(),
                     src.StrideV(), dst, w, u, cw, v, cw, w, h);
    return;
  }
  if (format == PixelFormat::kGray) {
    const auto& table = GrayTable();
    ForRowRanges(w, h, [&](int first, int rows) {
      for (int row = first; row < first + rows; ++row) {
        const uint8_t* in = src.DataY() + static_cast<size_t>(row) * src.StrideY();
        uint8_t* out = dst + static_cast<size_t>(row) * w;
        for (int x = 0; x < w; ++x) out[x] = table[in[x]];
      }
    });
    return;
  }
  const Matrix matrix = MatrixOf(*buffer_);
  const bool alpha = format == PixelFormat::kRgba || format == PixelFormat::kBgra;
  // libyuv writes B, G, R byte order; with U and V swapped (and the matching constants) it
  // writes R, G, B.
  const bool swap = format == PixelFormat::kRgb24 || format == PixelFormat::kRgba;
  const int stride = w * BytesPerPixel(format);
  ForRowRanges(w, h, [&](int first, int rows) {
    const int chroma_row = first / 2;
    const uint8_t* y = src.DataY() + static_cast<size_t>(first) * src.StrideY();
    const uint8_t* u = src.DataU() + static_cast<size_t>(chroma_row) * src.StrideU();
    const uint8_t* v = src.DataV() + static_cast<size_t>(chroma_row) * src.StrideV();
    int u_stride = src.StrideU(), v_stride = src.StrideV();
    if (swap) {
      std::swap(u, v);
      std::swap(u_stride, v_stride);
    }
    const libyuv::YuvConstants* constants = swap ? matrix.yvu : matrix.yuv;
    uint8_t* out = dst + static_cast<size_t>(first) * stride;
    if (alpha) {
      libyuv::I420ToARGBMatrix(y, src.StrideY(), u, u_stride, v, v_stride, out, stride,
                               constants, w, rows);
    } else {
      libyuv::I420ToRGB24Matrix(y, src.StrideY(), u, u_stride, v, v_stride, out, stride,
                                constants, w, rows);
    }
  });
}

}  // namespace pywebrtc
