#include "video_encoder_factory.h"

#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "api/video_codecs/builtin_video_encoder_factory.h"
#include "modules/video_coding/codecs/interface/libvpx_interface.h"
#include "modules/video_coding/codecs/vp8/include/vp8.h"
#include "modules/video_coding/codecs/vp8/libvpx_vp8_encoder.h"

namespace pywebrtc {
namespace {

// libwebrtc runs VP8 at libvpx speed 6 on x86 from CIF up, and at speed 12 on ARM machines
// with three cores or fewer. We take speed 10 on every machine: at 720p30 it encodes in a
// fifth less CPU than speed 6 for a picture within a dB of it at the bitrates WebRTC sends
// (benchmarks/bench_video_send.py measures both, luma PSNR included). Below CIF libwebrtc asks
// for a slower setting, and gets it.
constexpr int kLibwebrtcSpeed = -6;

int Vp8Speed() {
  // PYWEBRTC_VP8_SPEED: for measuring other settings; not a supported option.
  if (const char* value = std::getenv("PYWEBRTC_VP8_SPEED")) {
    int speed = std::atoi(value);
    if (speed >= 1 && speed <= 16) return -speed;
  }
  return -10;
}

// Forwards every call to libvpx, but for the speed setting named above.
class FasterLibvpx : public webrtc::LibvpxInterface {
 public:
  explicit FasterLibvpx(int speed) : libvpx_(webrtc::LibvpxInterface::Create()), speed_(speed) {}

  vpx_image_t* img_alloc(vpx_image_t* img, vpx_img_fmt_t fmt, unsigned int d_w, unsigned int d_h,
                         unsigned int align) const override {
    return libvpx_->img_alloc(img, fmt, d_w, d_h, align);
  }
  vpx_image_t* img_wrap(vpx_image_t* img, vpx_img_fmt_t fmt, unsigned int d_w, unsigned int d_h,
                        unsigned int stride_align, unsigned char* img_data) const override {
    return libvpx_->img_wrap(img, fmt, d_w, d_h, stride_align, img_data);
  }
  void img_free(vpx_image_t* img) const override { libvpx_->img_free(img); }

  vpx_codec_err_t codec_enc_config_set(vpx_codec_ctx_t* ctx,
                                       const vpx_codec_enc_cfg_t* cfg) const override {
    return libvpx_->codec_enc_config_set(ctx, cfg);
  }
  vpx_codec_err_t codec_enc_config_default(vpx_codec_iface_t* iface, vpx_codec_enc_cfg_t* cfg,
                                           unsigned int usage) const override {
    return libvpx_->codec_enc_config_default(iface, cfg, usage);
  }
  vpx_codec_err_t codec_enc_init(vpx_codec_ctx_t* ctx, vpx_codec_iface_t* iface,
                                 const vpx_codec_enc_cfg_t* cfg,
                                 vpx_codec_flags_t flags) const override {
    return libvpx_->codec_enc_init(ctx, iface, cfg, flags);
  }
  vpx_codec_err_t codec_enc_init_multi(vpx_codec_ctx_t* ctx, vpx_codec_iface_t* iface,
                                       vpx_codec_enc_cfg_t* cfg, int num_enc,
                                       vpx_codec_flags_t flags,
                                       vpx_rational_t* dsf) const override {
    return libvpx_->codec_enc_init_multi(ctx, iface, cfg, num_enc, flags, dsf);
  }
  vpx_codec_err_t codec_destroy(vpx_codec_ctx_t* ctx) const override {
    return libvpx_->codec_destroy(ctx);
  }

  vpx_codec_err_t codec_control(vpx_codec_ctx_t* ctx, vp8e_enc_control_id id,
                                uint32_t param) const override {
    return libvpx_->codec_control(ctx, id, param);
  }
  vpx_codec_err_t codec_control(vpx_codec_ctx_t* ctx, vp8e_enc_control_id id,
                                int param) const override {
    if (id == VP8E_SET_CPUUSED && param == kLibwebrtcSpeed) param = speed_;
    return libvpx_->codec_control(ctx, id, param);
  }
  vpx_codec_err_t codec_control(vpx_codec_ctx_t* ctx, vp8e_enc_control_id id,
                                int* param) const override {
    return libvpx_->codec_control(ctx, id, param);
  }
  vpx_codec_err_t codec_control(vpx_codec_ctx_t* ctx, vp8e_enc_control_id id,
                                vpx_roi_map* param) const override {
    return libvpx_->codec_control(ctx, id, param);
  }
  vpx_codec_err_t codec_control(vpx_codec_ctx_t* ctx, vp8e_enc_control_id id,
                                vpx_active_map* param) const override {
    return libvpx_->codec_control(ctx, id, param);
  }
  vpx_codec_err_t codec_control(vpx_codec_ctx_t* ctx, vp8e_enc_control_id id,
                                vpx_scaling_mode* param) const override {
    return libvpx_->codec_control(ctx, id, param);
  }
  vpx_codec_err_t codec_control(vpx_codec_ctx_t* ctx, vp8e_enc_control_id id,
                                vpx_svc_extra_cfg_t* param) const override {
    return libvpx_->codec_control(ctx, id, param);
  }
  vpx_codec_err_t codec_control(vpx_codec_ctx_t* ctx, vp8e_enc_control_id id,
                                vpx_svc_frame_drop_t* param) const override {
    return libvpx_->codec_control(ctx, id, param);
  }
  vpx_codec_err_t codec_control(vpx_codec_ctx_t* ctx, vp8e_enc_control_id id,
                                void* param) const override {
    return libvpx_->codec_control(ctx, id, param);
  }
  vpx_codec_err_t codec_control(vpx_codec_ctx_t* ctx, vp8e_enc_control_id id,
                                vpx_svc_layer_id_t* param) const override {
    return libvpx_->codec_control(ctx, id, param);
  }
  vpx_codec_err_t codec_control(vpx_codec_ctx_t* ctx, vp8e_enc_control_id id,
                                vpx_svc_ref_frame_config_t* param) const override {
    return libvpx_->codec_control(ctx, id, param);
  }
  vpx_codec_err_t codec_control(vpx_codec_ctx_t* ctx, vp8e_enc_control_id id,
                                vpx_svc_spatial_layer_sync_t* param) const override {
    return libvpx_->codec_control(ctx, id, param);
  }
  vpx_codec_err_t codec_control(vpx_codec_ctx_t* ctx, vp8e_enc_control_id id,
                                vpx_rc_funcs_t* param) const override {
    return libvpx_->codec_control(ctx, id, param);
  }

  vpx_codec_err_t codec_encode(vpx_codec_ctx_t* ctx, const vpx_image_t* img, vpx_codec_pts_t pts,
                               uint64_t duration, vpx_enc_frame_flags_t flags,
                               uint64_t deadline) const override {
    return libvpx_->codec_encode(ctx, img, pts, duration, flags, deadline);
  }
  const vpx_codec_cx_pkt_t* codec_get_cx_data(vpx_codec_ctx_t* ctx,
                                              vpx_codec_iter_t* iter) const override {
    return libvpx_->codec_get_cx_data(ctx, iter);
  }
  const char* codec_error_detail(vpx_codec_ctx_t* ctx) const override {
    return libvpx_->codec_error_detail(ctx);
  }
  const char* codec_error(vpx_codec_ctx_t* ctx) const override { return libvpx_->codec_error(ctx); }
  const char* codec_err_to_string(vpx_codec_err_t err) const override {
    return libvpx_->codec_err_to_string(err);
  }

 private:
  const std::unique_ptr<webrtc::LibvpxInterface> libvpx_;
  const int speed_;
};

class VideoEncoderFactory : public webrtc::VideoEncoderFactory {
 public:
  VideoEncoderFactory() : builtin_(webrtc::CreateBuiltinVideoEncoderFactory()) {}

  std::vector<webrtc::SdpVideoFormat> GetSupportedFormats() const override {
    return builtin_->GetSupportedFormats();
  }

  CodecSupport QueryCodecSupport(const webrtc::SdpVideoFormat& format,
                                 absl::optional<std::string> scalability_mode) const override {
    return builtin_->QueryCodecSupport(format, scalability_mode);
  }

  std::unique_ptr<webrtc::VideoEncoder> CreateVideoEncoder(
      const webrtc::SdpVideoFormat& format) override {
    if (absl::EqualsIgnoreCase(format.name, "VP8")) {
      // libvpx encodes simulcast layers itself, so no simulcast adapter is needed.
      return std::make_unique<webrtc::LibvpxVp8Encoder>(std::make_unique<FasterLibvpx>(Vp8Speed()),
                                                        webrtc::VP8Encoder::Settings());
    }
    return builtin_->CreateVideoEncoder(format);
  }

 private:
  std::unique_ptr<webrtc::VideoEncoderFactory> builtin_;
};

}  // namespace

std::unique_ptr<webrtc::VideoEncoderFactory> CreateVideoEncoderFactory() {
  return std::make_unique<VideoEncoderFactory>();
}

}  // namespace pywebrtc
