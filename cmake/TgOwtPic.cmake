# Debian's libtg_owt.a is built as PIE, not PIC. A handful of its members use relocations that
# a shared object cannot hold (local-exec TLS, PC-relative references to data in other shared
# libraries). We recompile exactly those members with -fPIC (see docs/build.md). Needs
# TgOwtMembers.cmake first.
#
# Defines the OBJECT library `tgowt_pic`.

set(openh264_src "${tgowt_src}/third_party/openh264/src")
# The members lld names when linking our extension against libtg_owt.a.
tgowt_members(tgowt_pic
  MEMBERS
    api/task_queue/task_queue_base.cc
    rtc_base/synchronization/yield_policy.cc
    rtc_base/checks.cc
    rtc_base/logging.cc
    rtc_base/ip_address.cc
    rtc_base/socket_address.cc
    rtc_base/network.cc
    p2p/base/basic_ice_controller.cc
    p2p/base/transport_description.cc
    pc/channel.cc
    pc/srtp_session.cc
    pc/webrtc_sdp.cc
    video/config/encoder_stream_factory.cc
    modules/video_coding/utility/simulcast_rate_allocator.cc
    modules/audio_coding/audio_network_adaptor/controller_manager.cc
    third_party/openh264/src/codec/common/src/welsCodecTrace.cpp
  DEFINITIONS HAVE_NETINET_IN_H HAVE_LIBSRTP X86_ASM
  INCLUDE_DIRECTORIES
    "${tgowt_src}/third_party/libyuv/include"
    "${openh264_src}/codec/api/svc" "${openh264_src}/codec/common/inc")
