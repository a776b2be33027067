# Debian's libtg_owt.a is built as PIE, not PIC. A handful of its members use relocations that
# a shared object cannot hold (local-exec TLS, PC-relative references to data in other shared
# libraries). We recompile exactly those members with -fPIC from Debian's own source package of
# the installed version and link them ahead of the archive (see docs/build.md).
#
# Defines the OBJECT library `tgowt_pic`.

set(WEBRTC_CACHE_DIR "$ENV{HOME}/.cache/python-webrtc" CACHE PATH "Cache for fetched sources")
execute_process(
  COMMAND sh "${CMAKE_CURRENT_LIST_DIR}/../tools/fetch-tgowt-source.sh" "${WEBRTC_CACHE_DIR}"
  OUTPUT_VARIABLE TGOWT_SOURCE_DIR
  OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE fetch_result)
if(NOT fetch_result EQUAL 0 OR NOT EXISTS "${TGOWT_SOURCE_DIR}/src")
  message(FATAL_ERROR "Could not fetch Debian's libtgowt source package (see the message above).")
endif()

set(tgowt_src "${TGOWT_SOURCE_DIR}/src")
set(openh264_src "${tgowt_src}/third_party/openh264/src")
# The members lld names when linking our extension against libtg_owt.a.
set(TGOWT_PIC_MEMBERS
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
  third_party/openh264/src/codec/common/src/welsCodecTrace.cpp)
list(TRANSFORM TGOWT_PIC_MEMBERS PREPEND "${tgowt_src}/")

add_library(tgowt_pic OBJECT ${TGOWT_PIC_MEMBERS})
set_target_properties(tgowt_pic PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_compile_features(tgowt_pic PRIVATE cxx_std_20)
# The archive's own definitions (from tg_owt::libwebrtcbuild) plus the private ones its
# CMakeLists and Debian's patches add.
target_link_libraries(tgowt_pic PRIVATE tg_owt::libwebrtcbuild absl::strings absl::optional)
target_compile_definitions(tgowt_pic PRIVATE
  HAVE_SCTP ABSL_ALLOCATOR_NOTHROW=1 HAVE_NETINET_IN_H HAVE_LIBSRTP X86_ASM)
target_include_directories(tgowt_pic BEFORE PRIVATE
  "${tgowt_src}" "${tgowt_src}/third_party/libyuv/include"
  "${openh264_src}/codec/api/svc" "${openh264_src}/codec/common/inc")
target_compile_options(tgowt_pic PRIVATE -w)
