# Members of Debian's libtg_owt.a that we compile again, from Debian's own source package of
# the installed version, and link ahead of the archive so that its copies are never pulled
# in (TgOwtPic.cmake and TgOwtQuietChecks.cmake say which, and why; docs/build.md).
#
# Sets `tgowt_src` (the source tree) and defines tgowt_members(), which makes an OBJECT
# library of members compiled as the archive's were:
#
#   tgowt_members(<target> MEMBERS <paths under src/>...
#                 [DEFINITIONS ...] [INCLUDE_DIRECTORIES ...] [OPTIONS ...])

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

function(tgowt_members target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "MEMBERS;DEFINITIONS;INCLUDE_DIRECTORIES;OPTIONS")
  list(TRANSFORM arg_MEMBERS PREPEND "${tgowt_src}/")
  add_library(${target} OBJECT ${arg_MEMBERS})
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_compile_features(${target} PRIVATE cxx_std_20)
  # The archive's own definitions (from tg_owt::libwebrtcbuild) plus the private ones its
  # CMakeLists and Debian's patches add.
  target_link_libraries(${target} PRIVATE tg_owt::libwebrtcbuild absl::strings absl::optional)
  target_compile_definitions(${target} PRIVATE HAVE_SCTP ABSL_ALLOCATOR_NOTHROW=1 ${arg_DEFINITIONS})
  target_include_directories(${target} BEFORE PRIVATE "${tgowt_src}" ${arg_INCLUDE_DIRECTORIES})
  target_compile_options(${target} PRIVATE -w ${arg_OPTIONS})
endfunction()
