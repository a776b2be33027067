# dcSCTP checksums every SCTP packet it sends and receives with the crc32c library bundled
# in libwebrtc. Debian's libtg_owt.a builds only its portable, table-driven code (tg_owt's
# CMake leaves out crc32c_sse42.cc and configures HAVE_SSE42 off): 4% of all CPU time in a
# two-process bulk transfer went to crc32c::ExtendPortable. We rebuild crc32c.cc and
# crc32c_sse42.cc with the SSE 4.2 path on; crc32c picks it at run time (CPUID), so a CPU
# without SSE 4.2 still runs the portable code, which stays the archive's. Needs
# TgOwtMembers.cmake first.
#
# Defines the OBJECT library `tgowt_crc32c`.

set(crc32c_src "${tgowt_src}/third_party/crc32c/src")
# crc32c's own configuration header, for x86-64 little-endian Linux with SSE 4.2 intrinsics.
set(BYTE_ORDER_BIG_ENDIAN 0)
set(HAVE_BUILTIN_PREFETCH 1)
set(HAVE_MM_PREFETCH 1)
set(HAVE_SSE42 1)
set(HAVE_ARM64_CRC32C 0)
set(HAVE_STRONG_GETAUXVAL 1)
set(HAVE_WEAK_GETAUXVAL 1)
set(CRC32C_TESTS_BUILT_WITH_GLOG 0)
configure_file("${crc32c_src}/src/crc32c_config.h.in"
  "${CMAKE_CURRENT_BINARY_DIR}/crc32c-config/crc32c/crc32c_config.h")

tgowt_members(tgowt_crc32c
  MEMBERS
    third_party/crc32c/src/src/crc32c.cc
    third_party/crc32c/src/src/crc32c_sse42.cc
  INCLUDE_DIRECTORIES "${CMAKE_CURRENT_BINARY_DIR}/crc32c-config" "${crc32c_src}/include")
set_source_files_properties("${crc32c_src}/src/crc32c_sse42.cc"
  PROPERTIES COMPILE_OPTIONS "-msse4.2")
