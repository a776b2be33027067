# For wheels (WEBRTC_STATIC_DEPS=ON): link what libwebrtc needs from Debian statically, so the
# extension needs nothing from the system beyond glibc, libstdc++ and libgcc_s. Debian's
# static archives of OpenSSL, libvpx, libjpeg and protobuf go in as they are; FFmpeg
# (only the decoders we use: Debian's libavcodec brings about a hundred libraries), Opus
# (Debian's archive is not PIC) and libsrtp2 (Debian's needs NSS) are rebuilt by
# tools/build-static-deps.sh. Abseil stays shared (Debian's archives are PIE, not PIC):
# auditwheel copies its few small libraries into the wheel.
# libwebrtc's X11 and GLib dependencies are for capture code we never link in.

execute_process(
  COMMAND sh "${CMAKE_CURRENT_LIST_DIR}/../tools/build-static-deps.sh" "${WEBRTC_CACHE_DIR}"
  OUTPUT_VARIABLE STATIC_DEPS_PREFIX
  OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE static_deps_result)
if(NOT static_deps_result EQUAL 0 OR NOT EXISTS "${STATIC_DEPS_PREFIX}/lib/libavcodec.a")
  message(FATAL_ERROR "Could not build the static FFmpeg decoders and Opus (see above).")
endif()

set(system_libs /usr/lib/x86_64-linux-gnu)
set(static_replacements
  "${system_libs}/libssl.so=${system_libs}/libssl.a"
  "${system_libs}/libcrypto.so=${system_libs}/libcrypto.a"
  "${system_libs}/libopus.so=${STATIC_DEPS_PREFIX}/lib/libopus.a"
  "${system_libs}/libjpeg.so=${system_libs}/libjpeg.a"
  "${system_libs}/libprotobuf.so=${system_libs}/libprotobuf.a"
  "${system_libs}/libvpx.so=${system_libs}/libvpx.a"
  "${system_libs}/libsrtp2.so=${STATIC_DEPS_PREFIX}/lib/libsrtp2.a"
  "${system_libs}/libavcodec.so=${STATIC_DEPS_PREFIX}/lib/libavcodec.a"
  "${system_libs}/libavutil.so=${STATIC_DEPS_PREFIX}/lib/libavutil.a")

function(link_dependencies_statically target)
  get_target_property(libraries ${target} INTERFACE_LINK_LIBRARIES)
  if(NOT libraries)
    return()
  endif()
  set(result "")
  foreach(library IN LISTS libraries)
    set(replaced OFF)
    foreach(pair IN LISTS static_replacements)
      string(REPLACE "=" ";" pair "${pair}")
      list(GET pair 0 shared)
      list(GET pair 1 static)
      if(library STREQUAL shared)
        list(APPEND result "${static}")
        set(replaced ON)
      endif()
    endforeach()
    if(replaced)
      continue()
    endif()
    # Dropped: FFmpeg's other libraries, X11 and GLib.
    if(library MATCHES "/lib(avformat|swscale|swresample|X[a-z0-9]*|gio-2\\.0|gobject-2\\.0|glib-2\\.0)\\.so$")
      continue()
    endif()
    list(APPEND result "${library}")
  endforeach()
  set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${result}")
endfunction()

get_property(imported_targets DIRECTORY PROPERTY IMPORTED_TARGETS)
foreach(target IN LISTS imported_targets)
  if(target MATCHES "^tg_owt::")
    link_dependencies_statically(${target})
  endif()
endforeach()

add_library(static_deps INTERFACE)
target_link_libraries(static_deps INTERFACE pthread)
