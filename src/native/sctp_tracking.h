// dcSCTP sockets that can be asked how much a stream still has queued.
//
// libwebrtc closes a data channel by resetting its SCTP stream, and this dcSCTP version
// discards every message still queued on a stream being reset. To close without losing data
// we wait until the stream's queue is empty, which only the socket knows: our SCTP transport
// factory builds libwebrtc's DcSctpTransport with sockets we can query. The same sockets
// see the peer's DCEP ACKs, which tell when an unordered channel we opened may send
// directly (see data_channel.cpp).
#pragma once

#include <cstddef>
#include <memory>

#include "api/sctp_transport_interface.h"
#include "api/transport/sctp_transport_factory_interface.h"
#include "rtc_base/thread.h"

namespace pywebrtc {

std::unique_ptr<webrtc::SctpTransportFactoryInterface> CreateSctpTransportFactory(
    rtc::Thread* network_thread);

// Network thread: bytes still queued in dcSCTP for stream `sid` (0 when unknown).
size_t SctpQueuedAmount(webrtc::SctpTransportInterface* transport, int sid);

// Network thread: whether the peer acknowledged our DCEP OPEN on stream `sid` (since the
// stream was last reset). Until then libwebrtc must send the channel's messages ordered.
bool SctpStreamAcknowledged(webrtc::SctpTransportInterface* transport, int sid);

class TrackedSocket;

// Network thread: until Release() (or the destructor), the packets dcSCTP sends are held and
// merged (see ObservingCallbacks in sctp_tracking.cpp). datagrams_sent() counts what the
// socket sent since construction, before and after Release(). Nothing may destroy the
// transport while one exists, so keep it to one task.
class SctpCork {
 public:
  explicit SctpCork(webrtc::SctpTransportInterface* transport);
  ~SctpCork();
  SctpCork(const SctpCork&) = delete;
  SctpCork& operator=(const SctpCork&) = delete;
  // Sends what is held.
  void Release();
  size_t datagrams_sent() const;

 private:
  TrackedSocket* socket_;  // null when the transport is not ours or gone
  size_t datagrams_before_ = 0;
  bool corked_ = false;
};

}  // namespace pywebrtc
