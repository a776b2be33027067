#include "sctp_tracking.h"

#include <map>
#include <mutex>

#include "media/sctp/dcsctp_transport.h"
#include "net/dcsctp/public/dcsctp_socket.h"
#include "net/dcsctp/public/dcsctp_socket_factory.h"
#include "pc/sctp_transport.h"
#include "system_wrappers/include/clock.h"

namespace pywebrtc {
namespace {

std::mutex g_sockets_mutex;
// Keyed by the socket's callbacks, which is the DcSctpTransport that owns it.
std::map<const dcsctp::DcSctpSocketCallbacks*, dcsctp::DcSctpSocketInterface*> g_sockets;

// Forwards everything to libwebrtc's socket; exists to be found in g_sockets.
class TrackedSocket : public dcsctp::DcSctpSocketInterface {
 public:
  TrackedSocket(const dcsctp::DcSctpSocketCallbacks* key,
                std::unique_ptr<dcsctp::DcSctpSocketInterface> socket)
      : key_(key), socket_(std::move(socket)) {
    std::lock_guard lock(g_sockets_mutex);
    g_sockets[key_] = socket_.get();
  }
  ~TrackedSocket() override {
    std::lock_guard lock(g_sockets_mutex);
    auto it = g_sockets.find(key_);
    if (it != g_sockets.end() && it->second == socket_.get()) g_sockets.erase(it);
  }

  void ReceivePacket(rtc::ArrayView<const uint8_t> data) override { socket_->ReceivePacket(data); }
  void HandleTimeout(dcsctp::TimeoutID id) override { socket_->HandleTimeout(id); }
  void Connect() override { socket_->Connect(); }
  void RestoreFromState(const dcsctp::DcSctpSocketHandoverState& state) override {
    socket_->RestoreFromState(state);
  }
  void Shutdown() override { socket_->Shutdown(); }
  void Close() override { socket_->Close(); }
  dcsctp::SocketState state() const override { return socket_->state(); }
  const dcsctp::DcSctpOptions& options() const override { return socket_->options(); }
  void SetMaxMessageSize(size_t size) override { socket_->SetMaxMessageSize(size); }
  void SetStreamPriority(dcsctp::StreamID id, dcsctp::StreamPriority priority) override {
    socket_->SetStreamPriority(id, priority);
  }
  dcsctp::StreamPriority GetStreamPriority(dcsctp::StreamID id) const override {
    return socket_->GetStreamPriority(id);
  }
  dcsctp::SendStatus Send(dcsctp::DcSctpMessage message,
                          const dcsctp::SendOptions& options) override {
    return socket_->Send(std::move(message), options);
  }
  dcsctp::ResetStreamsStatus ResetStreams(
      rtc::ArrayView<const dcsctp::StreamID> streams) override {
    return socket_->ResetStreams(streams);
  }
  size_t buffered_amount(dcsctp::StreamID id) const override {
    return socket_->buffered_amount(id);
  }
  size_t buffered_amount_low_threshold(dcsctp::StreamID id) const override {
    return socket_->buffered_amount_low_threshold(id);
  }
  void SetBufferedAmountLowThreshold(dcsctp::StreamID id, size_t bytes) override {
    socket_->SetBufferedAmountLowThreshold(id, bytes);
  }
  absl::optional<dcsctp::Metrics> GetMetrics() const override { return socket_->GetMetrics(); }
  dcsctp::HandoverReadinessStatus GetHandoverReadiness() const override {
    return socket_->GetHandoverReadiness();
  }
  absl::optional<dcsctp::DcSctpSocketHandoverState> GetHandoverStateAndClose() override {
    return socket_->GetHandoverStateAndClose();
  }

 private:
  const dcsctp::DcSctpSocketCallbacks* key_;
  std::unique_ptr<dcsctp::DcSctpSocketInterface> socket_;
};

class TrackedSocketFactory : public dcsctp::DcSctpSocketFactory {
 public:
  std::unique_ptr<dcsctp::DcSctpSocketInterface> Create(
      absl::string_view log_prefix, dcsctp::DcSctpSocketCallbacks& callbacks,
      std::unique_ptr<dcsctp::PacketObserver> packet_observer,
      const dcsctp::DcSctpOptions& options) override {
    auto socket = dcsctp::DcSctpSocketFactory::Create(log_prefix, callbacks,
                                                      std::move(packet_observer), options);
    return std::make_unique<TrackedSocket>(&callbacks, std::move(socket));
  }
};

class SctpTransportFactory : public webrtc::SctpTransportFactoryInterface {
 public:
  explicit SctpTransportFactory(rtc::Thread* network_thread) : network_thread_(network_thread) {}
  std::unique_ptr<cricket::SctpTransportInternal> CreateSctpTransport(
      rtc::PacketTransportInternal* transport) override {
    return std::make_unique<webrtc::DcSctpTransport>(network_thread_, transport,
                                                     webrtc::Clock::GetRealTimeClock(),
                                                     std::make_unique<TrackedSocketFactory>());
  }

 private:
  rtc::Thread* network_thread_;
};

}  // namespace

std::unique_ptr<webrtc::SctpTransportFactoryInterface> CreateSctpTransportFactory(
    rtc::Thread* network_thread) {
  return std::make_unique<SctpTransportFactory>(network_thread);
}

size_t SctpQueuedAmount(webrtc::SctpTransportInterface* transport, int sid) {
  if (!transport || sid < 0) return 0;
  // Our factory made every transport: the internal one is a DcSctpTransport.
  auto* internal = static_cast<webrtc::SctpTransport*>(transport)->internal();
  if (!internal) return 0;
  const dcsctp::DcSctpSocketCallbacks* key = static_cast<webrtc::DcSctpTransport*>(internal);
  std::lock_guard lock(g_sockets_mutex);
  auto it = g_sockets.find(key);
  if (it == g_sockets.end()) return 0;
  return it->second->buffered_amount(dcsctp::StreamID(static_cast<uint16_t>(sid)));
}

}  // namespace pywebrtc
