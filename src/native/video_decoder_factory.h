// Our video decoder factory: FFmpeg's own VP8 and VP9 decoders, which decode faster than
// libvpx and hand out their pictures by reference; everything else (H.264) from libwebrtc's
// builtin factory. For our .cpp files only.
#pragma once

#include <memory>

#include "api/video_codecs/video_decoder_factory.h"

namespace pywebrtc {

std::unique_ptr<webrtc::VideoDecoderFactory> CreateVideoDecoderFactory();

}  // namespace pywebrtc
