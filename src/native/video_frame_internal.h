// libwebrtc-facing side of VideoFrame, for our .cpp files only.
#pragma once

#include <mutex>

#include "api/video/video_frame.h"
#include "video_frame.h"

namespace pywebrtc {

struct VideoFrame::Buffer {
  // `color_space`: what the bitstream or the RTP header extension said, if anything.
  Buffer(rtc::scoped_refptr<webrtc::VideoFrameBuffer> source, webrtc::VideoRotation rotation,
         const absl::optional<webrtc::ColorSpace>& color_space);

  // The upright I420 picture, made on first use (converted or rotated only when needed).
  const webrtc::I420BufferInterface& Upright();

  const rtc::scoped_refptr<webrtc::VideoFrameBuffer> source;
  const webrtc::VideoRotation rotation;
  const webrtc::ColorSpace::MatrixID matrix;
  const webrtc::ColorSpace::RangeID range;

 private:
  std::once_flag once_;
  rtc::scoped_refptr<webrtc::I420BufferInterface> upright_;
};

}  // namespace pywebrtc
