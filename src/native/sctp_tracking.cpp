#include "sctp_tracking.h"

#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "media/sctp/dcsctp_transport.h"
#include "net/dcsctp/packet/crc32c.h"
#include "net/dcsctp/public/dcsctp_socket.h"
#include "net/dcsctp/public/dcsctp_socket_factory.h"
#include "p2p/base/dtls_transport_internal.h"
#include "p2p/base/ice_transport_internal.h"
#include "pc/sctp_transport.h"
#include "system_wrappers/include/clock.h"

namespace pywebrtc {

class TrackedSocket;

namespace {

std::mutex g_sockets_mutex;
// Keyed by the socket's callbacks, which is the DcSctpTransport that owns it.
std::map<const dcsctp::DcSctpSocketCallbacks*, TrackedSocket*> g_sockets;

constexpr uint32_t kDcepPpid = 50;
constexpr uint8_t kDcepAck = 0x02;
constexpr uint8_t kDcepOpen = 0x03;

// The receive buffer asked for on the connection's sockets (the kernel caps it at
// net.core.rmem_max, 208 KiB by default, and doubles that). Nothing else sets one for a
// connection without video, so the default (208 KiB) held only about 90 of our datagrams:
// a peer in another process that fell behind for a moment lost hundreds of them in a burst
// of small messages, and SCTP spent seconds in retransmission timeouts.
constexpr int kSocketReceiveBuffer = 1 << 20;

// SCTP's common header: ports (4 bytes), verification tag (4), CRC32c (4); chunks follow.
constexpr size_t kCommonHeaderSize = 12;
constexpr size_t kChecksumOffset = 8;
constexpr uint8_t kDataChunk = 0;
constexpr uint8_t kIDataChunk = 64;

// RFC 7053's I bit in a DATA or I-DATA chunk's flags: the receiver acknowledges at once.
constexpr uint8_t kImmediateAckFlag = 0x08;

// Whether every chunk after the common header is DATA or I-DATA, with sane lengths. Only such
// a packet may be appended to another: control chunks must come before DATA in a packet.
bool CarriesOnlyData(rtc::ArrayView<const uint8_t> packet) {
  size_t offset = kCommonHeaderSize;
  if (packet.size() <= offset) return false;
  while (offset < packet.size()) {
    if (packet.size() - offset < 4) return false;
    uint8_t type = packet[offset];
    size_t length = (size_t{packet[offset + 2]} << 8) | packet[offset + 3];
    if ((type != kDataChunk && type != kIDataChunk) || length < 4) return false;
    size_t padded = (length + 3) & ~size_t{3};
    if (padded > packet.size() - offset) return false;
    offset += padded;
  }
  return true;
}

// Sets the I bit on the last DATA or I-DATA chunk of a well-formed packet; whether it did.
bool AskForImmediateAck(std::vector<uint8_t>& packet) {
  size_t offset = kCommonHeaderSize;
  size_t last_data = 0;
  while (packet.size() - offset >= 4) {
    size_t length = (size_t{packet[offset + 2]} << 8) | packet[offset + 3];
    size_t padded = (length + 3) & ~size_t{3};
    if (length < 4 || padded > packet.size() - offset) break;
    if (packet[offset] == kDataChunk || packet[offset] == kIDataChunk) last_data = offset;
    offset += padded;
  }
  if (last_data == 0 || (packet[last_data + 1] & kImmediateAckFlag)) return false;
  packet[last_data + 1] |= kImmediateAckFlag;
  return true;
}

// Forwards every callback to the DcSctpTransport and notes, per stream, whether the peer
// acknowledged our DCEP OPEN (until the stream is reset). Network thread only.
//
// It also mends a race in libwebrtc M108. A peer that closes a channel at once after
// opening it sends its DCEP OPEN and then resets the stream. The OPEN goes to the signaling
// thread, which creates the channel and only then opens the stream in the DcSctpTransport;
// a reset that arrives in between is for a stream the transport does not know, and it
// drops it, so our side never resets its half: the peer's channel stays "closing" and ours
// "open" for good. Such a reset is held here until the stream is opened (StreamOpened).
class ObservingCallbacks : public dcsctp::DcSctpSocketCallbacks {
 public:
  explicit ObservingCallbacks(dcsctp::DcSctpSocketCallbacks& inner) : inner_(inner) {}

  bool acknowledged(uint16_t sid) const { return acked_.count(sid) > 0; }

  void set_max_packet_size(size_t size) { max_packet_size_ = size; }

  // Corking: dcSCTP puts each message it may send at once in a packet of its own, so a burst
  // of small messages costs a DTLS record, a datagram and a SACK every two messages. While
  // corked, packets are held instead, and each one carrying only DATA chunks is appended to
  // the held one while that stays within the MTU. dcSCTP's accounting is by chunk and TSN,
  // not by packet, so it is unaffected; to it, a lost merged packet is several lost packets.
  //
  // The last packet of a burst (what one send, one received packet or one timer produced)
  // asks for an immediate SACK (RFC 7053; dcSCTP and usrsctp honour it). A receiver delays
  // its SACK for a lone packet by up to 200 ms otherwise, which is why dcSCTP keeps its
  // retransmission timeout above 400 ms; with the I bit the timeout can follow the path's
  // RTT (see kRtoMin), and the packet after a timeout or at the end of a transfer is
  // acknowledged at once.
  void Cork() { ++corked_; }
  void Uncork() {
    if (corked_ > 0 && --corked_ == 0) SendHeld();
  }
  size_t datagrams_sent() const { return datagrams_sent_; }

  void SendPacket(rtc::ArrayView<const uint8_t> data) override { SendPacketWithStatus(data); }
  dcsctp::SendPacketStatus SendPacketWithStatus(rtc::ArrayView<const uint8_t> data) override {
    if (corked_ == 0) {
      ++datagrams_sent_;
      return inner_.SendPacketWithStatus(data);
    }
    bool appendable = !held_.empty() && data.size() > kCommonHeaderSize &&
                      held_.size() + data.size() - kCommonHeaderSize <= max_packet_size_ &&
                      std::memcmp(held_.data(), data.data(), kChecksumOffset) == 0 &&
                      CarriesOnlyData(data);
    if (appendable) {
      held_.insert(held_.end(), data.begin() + kCommonHeaderSize, data.end());
      ++merged_;
    } else {
      SendHeld();
      held_.assign(data.begin(), data.end());
    }
    // A held packet is sent later: a failure then is a lost packet, which SCTP retransmits.
    return dcsctp::SendPacketStatus::kSuccess;
  }
  std::unique_ptr<dcsctp::Timeout> CreateTimeout(
      webrtc::TaskQueueBase::DelayPrecision precision) override {
    return inner_.CreateTimeout(precision);
  }
  std::unique_ptr<dcsctp::Timeout> CreateTimeout() override { return inner_.CreateTimeout(); }
  dcsctp::TimeMs TimeMillis() override { return inner_.TimeMillis(); }
  uint32_t GetRandomInt(uint32_t low, uint32_t high) override {
    return inner_.GetRandomInt(low, high);
  }
  void NotifyOutgoingMessageBufferEmpty() override { inner_.NotifyOutgoingMessageBufferEmpty(); }
  void OnMessageReceived(dcsctp::DcSctpMessage message) override {
    if (*message.ppid() == kDcepPpid && !message.payload().empty()) {
      uint16_t sid = *message.stream_id();
      if (message.payload()[0] == kDcepAck) acked_.insert(sid);
      // An OPEN for a stream in use is not a new channel; libwebrtc refuses it.
      if (message.payload()[0] == kDcepOpen && opened_.count(sid) == 0) announced_.insert(sid);
    }
    inner_.OnMessageReceived(std::move(message));
  }

  // The DcSctpTransport opened stream `sid`: a reset held for it can go now.
  void StreamOpened(uint16_t sid) {
    announced_.erase(sid);
    if (held_resets_.erase(sid) > 0) {
      dcsctp::StreamID stream[1] = {dcsctp::StreamID(sid)};
      inner_.OnIncomingStreamsReset(stream);  // the peer is done with the stream
    } else {
      opened_.insert(sid);
    }
  }
  void OnError(dcsctp::ErrorKind error, absl::string_view message) override {
    inner_.OnError(error, message);
  }
  void OnAborted(dcsctp::ErrorKind error, absl::string_view message) override {
    inner_.OnAborted(error, message);
  }
  void OnConnected() override { inner_.OnConnected(); }
  void OnClosed() override { inner_.OnClosed(); }
  void OnConnectionRestarted() override { inner_.OnConnectionRestarted(); }
  void OnStreamsResetFailed(rtc::ArrayView<const dcsctp::StreamID> streams,
                            absl::string_view reason) override {
    inner_.OnStreamsResetFailed(streams, reason);
  }
  void OnStreamsResetPerformed(rtc::ArrayView<const dcsctp::StreamID> streams) override {
    for (auto id : streams) acked_.erase(*id);
    inner_.OnStreamsResetPerformed(streams);
  }
  void OnIncomingStreamsReset(rtc::ArrayView<const dcsctp::StreamID> streams) override {
    std::vector<dcsctp::StreamID> now;
    for (auto id : streams) {
      acked_.erase(*id);
      // Announced and not yet opened by the transport: hold it (see the class comment).
      if (announced_.count(*id) > 0) {
        held_resets_.insert(*id);
      } else {
        opened_.erase(*id);  // the transport forgets the stream once both halves are reset
        now.push_back(id);
      }
    }
    if (!now.empty()) inner_.OnIncomingStreamsReset(now);
  }
  void OnBufferedAmountLow(dcsctp::StreamID id) override { inner_.OnBufferedAmountLow(id); }
  void OnTotalBufferedAmountLow() override { inner_.OnTotalBufferedAmountLow(); }
  void OnLifecycleMessageFullySent(dcsctp::LifecycleId id) override {
    inner_.OnLifecycleMessageFullySent(id);
  }
  void OnLifecycleMessageExpired(dcsctp::LifecycleId id, bool maybe_delivered) override {
    inner_.OnLifecycleMessageExpired(id, maybe_delivered);
  }
  void OnLifecycleMessageDelivered(dcsctp::LifecycleId id) override {
    inner_.OnLifecycleMessageDelivered(id);
  }
  void OnLifecycleEnd(dcsctp::LifecycleId id) override { inner_.OnLifecycleEnd(id); }

 private:
  void SendHeld() {
    if (held_.empty()) return;
    bool last_of_burst = corked_ == 0;
    if ((last_of_burst && AskForImmediateAck(held_)) || merged_ > 0) {
      // The merged packet needs its own checksum (stored big-endian, as dcSCTP writes it).
      std::memset(held_.data() + kChecksumOffset, 0, 4);
      uint32_t crc = dcsctp::GenerateCrc32C(held_);
      for (int i = 0; i < 4; ++i) held_[kChecksumOffset + i] = uint8_t(crc >> (24 - 8 * i));
    }
    inner_.SendPacketWithStatus(held_);
    held_.clear();
    merged_ = 0;
    ++datagrams_sent_;
  }

  dcsctp::DcSctpSocketCallbacks& inner_;
  std::set<uint16_t> acked_;
  std::set<uint16_t> opened_;       // streams the transport opened, until the peer resets them
  std::set<uint16_t> announced_;    // a DCEP OPEN came, the transport has not opened it yet
  std::set<uint16_t> held_resets_;  // incoming resets of such streams
  size_t max_packet_size_ = 0;  // dcSCTP's MTU: DcSctpTransport refuses larger packets
  int corked_ = 0;
  std::vector<uint8_t> held_;
  size_t merged_ = 0;          // packets appended to held_
  size_t datagrams_sent_ = 0;  // in all
};

}  // namespace

// Forwards everything to libwebrtc's socket; exists to be found in g_sockets.
class TrackedSocket : public dcsctp::DcSctpSocketInterface {
 public:
  // The socket is made by `make`, once our callbacks exist (it may call them at once).
  template <typename Make>
  TrackedSocket(dcsctp::DcSctpSocketCallbacks& key, Make make)
      : key_(&key), callbacks_(std::make_unique<ObservingCallbacks>(key)) {
    socket_ = make(*callbacks_);
    callbacks_->set_max_packet_size(socket_->options().mtu);
    std::lock_guard lock(g_sockets_mutex);
    g_sockets[key_] = this;
  }
  ~TrackedSocket() override {
    {
      std::lock_guard lock(g_sockets_mutex);
      auto it = g_sockets.find(key_);
      if (it != g_sockets.end() && it->second == this) g_sockets.erase(it);
    }
    socket_ = nullptr;  // before the callbacks it uses
  }

  bool acknowledged(uint16_t sid) const { return callbacks_->acknowledged(sid); }
  void StreamOpened(uint16_t sid) { callbacks_->StreamOpened(sid); }
  void Cork() { callbacks_->Cork(); }
  void Uncork() { callbacks_->Uncork(); }
  size_t datagrams_sent() const { return callbacks_->datagrams_sent(); }

  // What a packet or a timer makes dcSCTP send is one burst (see ObservingCallbacks).
  void ReceivePacket(rtc::ArrayView<const uint8_t> data) override {
    callbacks_->Cork();
    socket_->ReceivePacket(data);
    callbacks_->Uncork();
  }
  void HandleTimeout(dcsctp::TimeoutID id) override {
    callbacks_->Cork();
    socket_->HandleTimeout(id);
    callbacks_->Uncork();
  }
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
  std::unique_ptr<ObservingCallbacks> callbacks_;
  std::unique_ptr<dcsctp::DcSctpSocketInterface> socket_;
};

namespace {

// dcSCTP's retransmission timeout is at least 400 ms, and at least the smoothed RTT plus
// 4 x 220 ms, so that a SACK delayed by the receiver (up to 200 ms) is never taken for a
// loss. Our last packet of each burst asks for its SACK at once (see ObservingCallbacks), so
// the timeout may follow the path: on a link losing 30% of packets each way, 8 MiB took
// 18-31 s with these floors and stalled with dcSCTP's own (1.1 and 1.9 MB in 60 s, the
// I bit and the RTT fix of dcsctp_rtt_sample.cpp in both). These are still floors: a path's
// jitter shows in its RTT variance and raises the timeout.
constexpr dcsctp::DurationMs kRtoMin(10);
constexpr dcsctp::DurationMs kMinRttVariance(10);
// libwebrtc caps the doubling of a timer after each timeout at 3 s; 1 s resends sooner
// after a burst of losses or a cut link, at a cost of one packet a second while it lasts.
constexpr dcsctp::DurationMs kMaxTimerBackoff(1000);

class TrackedSocketFactory : public dcsctp::DcSctpSocketFactory {
 public:
  std::unique_ptr<dcsctp::DcSctpSocketInterface> Create(
      absl::string_view log_prefix, dcsctp::DcSctpSocketCallbacks& callbacks,
      std::unique_ptr<dcsctp::PacketObserver> packet_observer,
      const dcsctp::DcSctpOptions& given) override {
    dcsctp::DcSctpOptions options = given;
    options.rto_min = kRtoMin;
    options.min_rtt_variance = kMinRttVariance;
    options.max_timer_backoff_duration = kMaxTimerBackoff;
    return std::make_unique<TrackedSocket>(
        callbacks, [&](dcsctp::DcSctpSocketCallbacks& observing) {
          return dcsctp::DcSctpSocketFactory::Create(log_prefix, observing,
                                                     std::move(packet_observer), options);
        });
  }
};

TrackedSocket* FindSocketOf(const webrtc::DcSctpTransport* transport) {
  const dcsctp::DcSctpSocketCallbacks* key = transport;
  std::lock_guard lock(g_sockets_mutex);
  auto it = g_sockets.find(key);
  return it == g_sockets.end() ? nullptr : it->second;
}

// libwebrtc's transport, telling our socket when it opens a stream.
class TrackedDcSctpTransport : public webrtc::DcSctpTransport {
 public:
  using webrtc::DcSctpTransport::DcSctpTransport;

  bool OpenStream(int sid) override {
    bool opened = webrtc::DcSctpTransport::OpenStream(sid);
    if (TrackedSocket* socket = FindSocketOf(this); socket && sid >= 0 && sid <= 0xFFFF) {
      socket->StreamOpened(static_cast<uint16_t>(sid));
    }
    return opened;
  }
};

class SctpTransportFactory : public webrtc::SctpTransportFactoryInterface {
 public:
  explicit SctpTransportFactory(rtc::Thread* network_thread) : network_thread_(network_thread) {}
  std::unique_ptr<cricket::SctpTransportInternal> CreateSctpTransport(
      rtc::PacketTransportInternal* transport) override {
    // libwebrtc (JsepTransport) runs SCTP over the connection's DTLS transport. The ICE
    // transport under it applies the option to its sockets, present and future.
    if (auto* dtls = static_cast<cricket::DtlsTransportInternal*>(transport)) {
      if (auto* ice = dtls->ice_transport()) {
        ice->SetOption(rtc::Socket::OPT_RCVBUF, kSocketReceiveBuffer);
      }
    }
    return std::make_unique<TrackedDcSctpTransport>(network_thread_, transport,
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

namespace {
// Network thread: our socket behind `transport`, or null.
TrackedSocket* FindSocket(webrtc::SctpTransportInterface* transport) {
  if (!transport) return nullptr;
  // Our factory made every transport: the internal one is a DcSctpTransport.
  auto* internal = static_cast<webrtc::SctpTransport*>(transport)->internal();
  if (!internal) return nullptr;
  return FindSocketOf(static_cast<webrtc::DcSctpTransport*>(internal));
}
}  // namespace

size_t SctpQueuedAmount(webrtc::SctpTransportInterface* transport, int sid) {
  if (sid < 0) return 0;
  TrackedSocket* socket = FindSocket(transport);
  return socket ? socket->buffered_amount(dcsctp::StreamID(static_cast<uint16_t>(sid))) : 0;
}

SctpCork::SctpCork(webrtc::SctpTransportInterface* transport) : socket_(FindSocket(transport)) {
  if (!socket_) return;
  datagrams_before_ = socket_->datagrams_sent();
  socket_->Cork();
  corked_ = true;
}

SctpCork::~SctpCork() { Release(); }

void SctpCork::Release() {
  if (corked_) socket_->Uncork();
  corked_ = false;
}

size_t SctpCork::datagrams_sent() const {
  return socket_ ? socket_->datagrams_sent() - datagrams_before_ : 0;
}

bool SctpStreamAcknowledged(webrtc::SctpTransportInterface* transport, int sid) {
  if (sid < 0) return false;
  TrackedSocket* socket = FindSocket(transport);
  return socket && socket->acknowledged(static_cast<uint16_t>(sid));
}

}  // namespace pywebrtc
