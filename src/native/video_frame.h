// A decoded video frame as Python sees it: the decoder's buffer, kept by reference until a
// conversion is asked for. Plain types only: libwebrtc stays in the .cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace pywebrtc {

// Output layouts of to_ndarray(), named as PyAV names them.
enum class PixelFormat { kRgb24, kBgr24, kRgba, kBgra, kGray, kYuv420p };

std::optional<PixelFormat> PixelFormatFromName(const std::string& name);
// Bytes per pixel of the packed formats (1 for gray); 0 for yuv420p.
int BytesPerPixel(PixelFormat format);

class VideoFrame {
 public:
  struct Buffer;  // libwebrtc's buffer and rotation (video_frame_internal.h)

  VideoFrame(std::shared_ptr<Buffer> buffer, int64_t pts);
  // A frame from packed yuv420p planes (as to_ndarray("yuv420p") lays them out), with the
  // rotation a sender may ask for. Throws std::invalid_argument on a size mismatch.
  static VideoFrame FromYuv420p(const uint8_t* data, size_t size, int width, int height,
                                int rotation, int64_t pts);

  // Displayed size: rotation already applied.
  int width() const;
  int height() const;
  int64_t pts() const { return pts_; }
  // Degrees clockwise the sender asked for (applied by every conversion).
  int rotation() const;
  // Bytes ConvertTo() writes for `format`.
  size_t ConvertedSize(PixelFormat format) const;
  // Writes the picture into `dst` (ConvertedSize bytes, rows packed; for yuv420p the three
  // planes back to back, as PyAV lays them out). Thread-safe; call without the GIL.
  void ConvertTo(PixelFormat format, uint8_t* dst) const;
  const Buffer& buffer() const { return *buffer_; }

 private:
  std::shared_ptr<Buffer> buffer_;
  int64_t pts_;
};

}  // namespace pywebrtc
