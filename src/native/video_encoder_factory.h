// Our video encoder factory: libwebrtc's builtin encoders, with VP8 run at a faster libvpx
// speed setting than libwebrtc picks on x86 (see the .cpp). For our .cpp files only.
#pragma once

#include <memory>

#include "api/video_codecs/video_encoder_factory.h"

namespace pywebrtc {

std::unique_ptr<webrtc::VideoEncoderFactory> CreateVideoEncoderFactory();

}  // namespace pywebrtc
