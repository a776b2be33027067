#include "video_decoder_factory.h"

#include <string>

#include "absl/strings/match.h"
#include "api/video/color_space.h"
#include "api/video/encoded_image.h"
#include "api/video/video_frame.h"
#include "api/video_codecs/builtin_video_decoder_factory.h"
#include "api/video_codecs/video_decoder.h"
#include "common_video/include/video_frame_buffer.h"
#include "modules/video_coding/include/video_error_codes.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}

namespace pywebrtc {
namespace {

// libwebrtc's VP8 decoder runs libvpx with post-processing (an extra deblocking pass and
// multi-frame quality enhancement) on x86, and copies every picture into its own pool. FFmpeg's
// native decoders decode the same streams in less time, without that pass, and their output
// frames are reference-counted: we wrap them, and the picture reaches Python uncopied.
class FfmpegVideoDecoder : public webrtc::VideoDecoder {
 public:
  FfmpegVideoDecoder(AVCodecID codec_id, const char* name) : codec_id_(codec_id), name_(name) {}
  ~FfmpegVideoDecoder() override { Release(); }

  bool Configure(const Settings& settings) override {
    Release();
    const AVCodec* codec = avcodec_find_decoder(codec_id_);
    if (!codec) return false;
    context_ = avcodec_alloc_context3(codec);
    if (!context_) return false;
    // One decoding thread: frame threading adds a frame of latency, and the receiver's
    // decode thread is ours alone.
    context_->thread_count = 1;
    context_->thread_type = 0;
    if (avcodec_open2(context_, codec, nullptr) < 0) {
      Release();
      return false;
    }
    packet_ = av_packet_alloc();
    frame_ = av_frame_alloc();
    return packet_ && frame_;
  }

  int32_t Decode(const webrtc::EncodedImage& input, bool /*missing_frames*/,
                 int64_t /*render_time_ms*/) override {
    if (!context_ || !callback_) return WEBRTC_VIDEO_CODEC_UNINITIALIZED;
    if (input.size() == 0) return WEBRTC_VIDEO_CODEC_ERR_PARAMETER;
    packet_->data = const_cast<uint8_t*>(input.data());
    packet_->size = static_cast<int>(input.size());
    int result = avcodec_send_packet(context_, packet_);
    packet_->data = nullptr;
    packet_->size = 0;
    if (result < 0) return WEBRTC_VIDEO_CODEC_ERROR;
    result = avcodec_receive_frame(context_, frame_);
    if (result == AVERROR(EAGAIN)) return WEBRTC_VIDEO_CODEC_OK;
    if (result < 0) return WEBRTC_VIDEO_CODEC_ERROR;
    if (frame_->format != AV_PIX_FMT_YUV420P && frame_->format != AV_PIX_FMT_YUVJ420P) {
      // 4:4:4 or high bit depth VP9: not what WebRTC peers send by default.
      av_frame_unref(frame_);
      return WEBRTC_VIDEO_CODEC_ERROR;
    }
    // The wrapper owns a reference to the decoded picture until the last user lets go.
    AVFrame* picture = av_frame_clone(frame_);
    av_frame_unref(frame_);
    if (!picture) return WEBRTC_VIDEO_CODEC_MEMORY;
    auto buffer = webrtc::WrapI420Buffer(
        picture->width, picture->height, picture->data[0], picture->linesize[0],
        picture->data[1], picture->linesize[1], picture->data[2], picture->linesize[2],
        [picture]() mutable { av_frame_free(&picture); });
    auto frame = webrtc::VideoFrame::Builder()
                     .set_video_frame_buffer(buffer)
                     .set_timestamp_rtp(input.Timestamp())
                     .set_color_space(ColorSpaceOf(input, *picture))
                     .build();
    callback_->Decoded(frame, absl::nullopt, absl::nullopt);
    return WEBRTC_VIDEO_CODEC_OK;
  }

  int32_t RegisterDecodeCompleteCallback(webrtc::DecodedImageCallback* callback) override {
    callback_ = callback;
    return WEBRTC_VIDEO_CODEC_OK;
  }

  int32_t Release() override {
    avcodec_free_context(&context_);
    av_packet_free(&packet_);
    av_frame_free(&frame_);
    return WEBRTC_VIDEO_CODEC_OK;
  }

  DecoderInfo GetDecoderInfo() const override {
    DecoderInfo info;
    info.implementation_name = name_;
    return info;
  }
  const char* ImplementationName() const override { return name_; }

 private:
  // What the RTP header extension said, else what the bitstream said (VP9 carries it). Both
  // number matrices and ranges as ITU-T H.273 does.
  static absl::optional<webrtc::ColorSpace> ColorSpaceOf(const webrtc::EncodedImage& input,
                                                        const AVFrame& picture) {
    if (input.ColorSpace()) return *input.ColorSpace();
    if (picture.colorspace == AVCOL_SPC_UNSPECIFIED &&
        picture.color_range == AVCOL_RANGE_UNSPECIFIED) {
      return absl::nullopt;
    }
    using CS = webrtc::ColorSpace;
    auto range = picture.color_range == AVCOL_RANGE_JPEG ? CS::RangeID::kFull
                                                         : CS::RangeID::kLimited;
    return CS(CS::PrimaryID::kUnspecified, CS::TransferID::kUnspecified,
              static_cast<CS::MatrixID>(picture.colorspace), range);
  }

  const AVCodecID codec_id_;
  const char* const name_;
  AVCodecContext* context_ = nullptr;
  AVPacket* packet_ = nullptr;
  AVFrame* frame_ = nullptr;
  webrtc::DecodedImageCallback* callback_ = nullptr;
};

class VideoDecoderFactory : public webrtc::VideoDecoderFactory {
 public:
  VideoDecoderFactory() : builtin_(webrtc::CreateBuiltinVideoDecoderFactory()) {}

  std::vector<webrtc::SdpVideoFormat> GetSupportedFormats() const override {
    return builtin_->GetSupportedFormats();
  }

  std::unique_ptr<webrtc::VideoDecoder> CreateVideoDecoder(
      const webrtc::SdpVideoFormat& format) override {
    if (absl::EqualsIgnoreCase(format.name, "VP8") && avcodec_find_decoder(AV_CODEC_ID_VP8)) {
      return std::make_unique<FfmpegVideoDecoder>(AV_CODEC_ID_VP8, "ffmpeg-vp8");
    }
    // VP9 profiles 1-3 (4:4:4, 10-bit) stay with libvpx: our path handles 8-bit 4:2:0.
    auto profile = format.parameters.find("profile-id");
    const bool profile_0 = profile == format.parameters.end() || profile->second == "0";
    if (absl::EqualsIgnoreCase(format.name, "VP9") && profile_0 &&
        avcodec_find_decoder(AV_CODEC_ID_VP9)) {
      return std::make_unique<FfmpegVideoDecoder>(AV_CODEC_ID_VP9, "ffmpeg-vp9");
    }
    return builtin_->CreateVideoDecoder(format);
  }

 private:
  std::unique_ptr<webrtc::VideoDecoderFactory> builtin_;
};

}  // namespace

std::unique_ptr<webrtc::VideoDecoderFactory> CreateVideoDecoderFactory() {
  return std::make_unique<VideoDecoderFactory>();
}

}  // namespace pywebrtc
