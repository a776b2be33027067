# Debian's libtg_owt.a is built without NDEBUG, so every RTC_DCHECK runs. Most are cheap, but
# dcSCTP asserts the consistency of its send and retransmission queues after each operation
# by walking them whole: with thousands of small messages queued or in flight, each message
# sent cost tens of microseconds (std::_Rb_tree_increment led a profile of the sender). We
# recompile those members from the same Debian source with RTC_DCHECK conditions left
# unevaluated (cmake/dcheck_unevaluated.h) and link them ahead of the archive, as for the
# PIC members. Needs TgOwtMembers.cmake first.
#
# rtc_base/weak_ptr.cc is here for a different reason: libwebrtc M108 checks a WeakPtr made
# on the signaling thread from the network thread when a DTLS handshake fails, and the
# check's DCHECK then aborted the process when the connection was closed; so any peer with
# a wrong certificate could abort us. Release builds of libwebrtc, Chrome's included, run
# without that check.
#
# Defines the OBJECT library `tgowt_quiet_checks`.

tgowt_members(tgowt_quiet_checks
  MEMBERS
    net/dcsctp/tx/outstanding_data.cc
    net/dcsctp/tx/retransmission_queue.cc
    net/dcsctp/tx/rr_send_queue.cc
    rtc_base/weak_ptr.cc
  OPTIONS -include "${CMAKE_CURRENT_LIST_DIR}/dcheck_unevaluated.h")
