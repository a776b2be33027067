#include "data_channel.h"

#include <atomic>
#include <deque>
#include <mutex>
#include <stdexcept>

#include "api/transport/data_channel_transport_interface.h"
#include "media/base/media_channel.h"
#include "pc/sctp_transport.h"

#include "data_channel_internal.h"
#include "engine.h"
#include "engine_internal.h"
#include "sctp_tracking.h"

namespace pywebrtc {
namespace {

// Keep at most this much in libwebrtc's own send queue; the rest waits in ours.
constexpr uint64_t kNativeHighWater = 1 << 20;
// How soon to retry when dcSCTP's send buffer is full.
constexpr int kBlockedRetryMs = 1;
// The network thread reads its sockets only when its task queue is empty, one datagram per
// socket each time. A flush that sent a long batch in one go would overflow a receiving
// socket's buffer (about 200 KiB), and a peer in this process, on the same thread, would
// drop packets and stall in SCTP retransmission timeouts. So a flush sends in rounds of
// about this many bytes, and after each round lets the sockets' handlers run once per
// datagram it sent.
constexpr size_t kRoundBytes = 16 * 1024;
constexpr size_t kMaxWaitsPerRound = 4096;

std::atomic<uint64_t> g_next_handle{1};
std::atomic<size_t> g_live_channels{0};

struct PendingMessage {
  rtc::CopyOnWriteBuffer data;
  bool binary;
};

}  // namespace

uint64_t NextHandle() { return g_next_handle.fetch_add(1); }
size_t LiveDataChannels() { return g_live_channels.load(); }

// Two ways out for queued messages:
// - the direct path (network thread): open channels whose messages need no DCEP handshake
//   ordering (ordered, negotiated or remotely opened channels, and unordered ones we opened
//   once the peer acknowledged the OPEN) hand batches straight to the SCTP transport, one
//   task per batch. libwebrtc's own SctpDataChannel::Send would cost a blocking hop from the
//   signaling to the network thread for every message.
// - libwebrtc's path (signaling thread): everything else, through DataChannelInterface::Send.
struct DataChannel::Impl : public webrtc::DataChannelObserver,
                           public std::enable_shared_from_this<DataChannel::Impl> {
  Impl(rtc::scoped_refptr<webrtc::DataChannelInterface> channel, EventQueuePtr queue)
      : channel(std::move(channel)), queue(std::move(queue)), handle(NextHandle()) {
    g_live_channels.fetch_add(1);
  }
  ~Impl() override { g_live_channels.fetch_sub(1); }

  uint64_t Total() const { return pending_bytes.load() + native_buffered.load(); }

  // After the buffered amount went down from `before`: fire bufferedamountlow on the crossing.
  void CheckLow(uint64_t before) {
    uint64_t threshold = low_threshold.load();
    if (before > threshold && Total() <= threshold) {
      queue->Push({handle, EventKind::kChannelBufferedAmountLow});
    }
  }

  void PostFlush() {
    rtc::Thread* signaling = SignalingThreadOrNull();
    if (!signaling) throw std::runtime_error("the WebRTC engine is not running");
    // Messages still in libwebrtc's own queue go out first: the direct path waits for them,
    // or it would overtake them.
    if (direct.load() && native_buffered.load() == 0) {
      network->PostTask([self = shared_from_this()] { self->FlushDirect(); });
    } else {
      signaling->PostTask([self = shared_from_this()] { self->Flush(); });
    }
  }

  // Network thread: hands queued messages to the SCTP transport until it pushes back.
  void FlushDirect() {
    auto* api = static_cast<webrtc::SctpTransport*>(sctp.get());
    cricket::SctpTransportInternal* transport = api ? api->internal() : nullptr;
    if (!transport || !direct.load() || native_buffered.load() > 0) {
      // Closed or closing, or libwebrtc still holds earlier messages: its path keeps the
      // order and knows what to do with what is left.
      if (rtc::Thread* signaling = SignalingThreadOrNull()) {
        signaling->PostTask([self = shared_from_this()] { self->Flush(); });
      }
      return;
    }
    webrtc::SendDataParams params;
    params.ordered = info.ordered;
    if (info.max_retransmits) params.max_rtx_count = *info.max_retransmits;
    if (info.max_packet_life_time) params.max_rtx_ms = *info.max_packet_life_time;
    const int sid = stream_id.load();
    for (;;) {
      // One round: messages go to dcSCTP corked, so that small ones share packets; then the
      // sockets' handlers run once per datagram the round sent.
      SctpCork cork(sctp.get());
      size_t round_bytes = 0;
      bool blocked = false;
      bool empty = false;
      while (round_bytes < kRoundBytes) {
        PendingMessage message;
        {
          std::lock_guard lock(mutex);
          if (pending.empty()) {
            flush_posted = false;
            empty = true;
            break;
          }
          message = std::move(pending.front());
          pending.pop_front();
        }
        params.type = message.binary ? webrtc::DataMessageType::kBinary
                                     : webrtc::DataMessageType::kText;
        cricket::SendDataResult result = cricket::SDR_SUCCESS;
        uint64_t before = Total();
        size_t size = message.data.size();
        if (transport->SendData(sid, params, message.data, &result)) {
          pending_bytes.fetch_sub(size);
          direct_messages_sent.fetch_add(1);
          direct_bytes_sent.fetch_add(size);
          round_bytes += size;
          CheckLow(before);
        } else if (result == cricket::SDR_BLOCK) {
          // dcSCTP's buffer is full: put the message back and try again shortly.
          std::lock_guard lock(mutex);
          pending.push_front(std::move(message));
          blocked = true;
          break;
        } else {
          // The stream is closing or gone: what is queued cannot be delivered.
          pending_bytes.fetch_sub(size);
          queue->Push({handle, EventKind::kChannelError, 0, 0, "the transport refused a message"});
        }
      }
      cork.Release();
      // Let the sockets' handlers run (receiving, acknowledgements) once per datagram sent,
      // counting those that acknowledgements release meanwhile. No task runs meanwhile,
      // and what the handlers trigger is posted, not run here.
      for (size_t waits = 0; waits < cork.datagrams_sent() && waits < kMaxWaitsPerRound;
           ++waits) {
        network->socketserver()->Wait(webrtc::TimeDelta::Zero(), /*process_io=*/true);
      }
      if (blocked) {
        network->PostDelayedTask([self = shared_from_this()] { self->FlushDirect(); },
                                 webrtc::TimeDelta::Millis(kBlockedRetryMs));
        return;
      }
      if (empty) break;
      transport = api->internal();
      if (!transport || !direct.load()) {
        if (rtc::Thread* signaling = SignalingThreadOrNull()) {
          signaling->PostTask([self = shared_from_this()] { self->Flush(); });
        }
        return;
      }
    }
    if (close_requested.load()) {
      if (rtc::Thread* signaling = SignalingThreadOrNull()) {
        signaling->PostTask([self = shared_from_this()] { self->MaybeFinishClose(); });
      }
    }
  }

  // Signaling thread: an unordered channel we opened moves to the direct path once the
  // peer acknowledged the OPEN and libwebrtc holds none of its messages.
  bool SwitchToDirect() {
    if (direct_allowed || direct.load() || !sctp || native_buffered.load() > 0 ||
        channel->state() != webrtc::DataChannelInterface::kOpen) {
      return false;
    }
    int sid = channel->id();
    bool acked = network->BlockingCall([&] { return SctpStreamAcknowledged(sctp.get(), sid); });
    if (!acked) return false;
    direct.store(true);
    network->PostTask([self = shared_from_this()] { self->FlushDirect(); });
    return true;
  }

  // Signaling thread: moves queued messages into libwebrtc while its buffer has room.
  void Flush() {
    if (flushing || !channel) return;
    if (SwitchToDirect()) return;
    flushing = true;
    for (;;) {
      PendingMessage message;
      {
        std::lock_guard lock(mutex);
        if (pending.empty() || channel->state() != webrtc::DataChannelInterface::kOpen ||
            native_buffered.load() >= kNativeHighWater) {
          flush_posted = false;
          break;
        }
        message = std::move(pending.front());
        pending.pop_front();
      }
      uint64_t before = Total();
      size_t size = message.data.size();
      bool ok = channel->Send(webrtc::DataBuffer(std::move(message.data), message.binary));
      native_buffered.store(channel->buffered_amount());
      pending_bytes.fetch_sub(size);
      if (!ok) {
        queue->Push({handle, EventKind::kChannelError, 0, 0, "the transport refused a message"});
      }
      CheckLow(before);
    }
    flushing = false;
    MaybeFinishClose();
  }

  // Signaling thread: closes the channel once nothing of it is queued anywhere, since
  // resetting the stream discards what dcSCTP still holds (see sctp_tracking.h).
  void MaybeFinishClose() {
    if (!close_requested || !channel) return;
    if (channel->state() == webrtc::DataChannelInterface::kOpen) {
      {
        std::lock_guard lock(mutex);
        if (!pending.empty()) return;  // the flush calls again
      }
      if (channel->buffered_amount() > 0) return;  // OnBufferedAmountChange() calls again
      int sid = channel->id();
      size_t queued = network->BlockingCall([&] { return SctpQueuedAmount(sctp.get(), sid); });
      if (queued > 0) {
        if (!close_poll_scheduled) {
          close_poll_scheduled = true;
          rtc::Thread::Current()->PostDelayedTask(
              [self = shared_from_this()] {
                self->close_poll_scheduled = false;
                self->MaybeFinishClose();
              },
              webrtc::TimeDelta::Millis(2));
        }
        return;
      }
    }
    close_requested.store(false);
    direct.store(false);
    channel->Close();
  }

  void DropPending() {
    std::lock_guard lock(mutex);
    pending.clear();
    pending_bytes.store(0);
  }

  // Signaling thread: the channel opened. Look up its SCTP transport for the direct path.
  void OnOpen() {
    stream_id.store(channel->id());
    bool acked = false;
    if (pc) {
      // The transport is also needed to close without loss (MaybeFinishClose), whichever
      // path sends. (The channel proxy is read here: from the network thread it would
      // block on this thread.)
      int sid = channel->id();
      network->BlockingCall([&] {
        if (!sctp) sctp = pc->GetSctpTransport();
        acked = SctpStreamAcknowledged(sctp.get(), sid);
      });
    }
    direct.store((direct_allowed || acked) && sctp != nullptr && channel->id() >= 0);
    bool has_pending;
    {
      std::lock_guard lock(mutex);
      has_pending = !pending.empty();
      if (has_pending) flush_posted = true;
    }
    if (has_pending) PostFlush();
  }

  // webrtc::DataChannelObserver, called on the signaling thread.
  void OnStateChange() override {
    if (!channel) return;
    auto state = channel->state();
    if (state != webrtc::DataChannelInterface::kOpen) direct.store(false);
    // Choose the send path before Python can see "open" and send.
    if (state == webrtc::DataChannelInterface::kOpen) OnOpen();
    // W3C: a channel closed by a failure (an aborted association, a refused stream) fires
    // an RTCErrorEvent before "close". libwebrtc keeps the cause on the channel.
    if (state == webrtc::DataChannelInterface::kClosed) {
      webrtc::RTCError error = channel->error();
      if (!error.ok()) {
        auto cause = error.sctp_cause_code();
        queue->Push({handle, EventKind::kChannelError,
                     static_cast<int64_t>(error.error_detail()) + 1,
                     cause ? static_cast<int64_t>(*cause) : -1, error.message()});
      }
    }
    queue->Push({handle, EventKind::kChannelState, static_cast<int64_t>(state), channel->id()});
    if (state == webrtc::DataChannelInterface::kClosed) DropPending();
  }

  void OnMessage(const webrtc::DataBuffer& buffer) override {
    queue->Push({handle, EventKind::kChannelMessage, buffer.binary ? 1 : 0, 0,
                 std::string(buffer.data.cdata<char>(), buffer.data.size())});
  }

  void OnBufferedAmountChange(uint64_t sent_data_size) override {
    if (!channel) return;
    uint64_t before = Total();
    native_buffered.store(channel->buffered_amount());
    CheckLow(before);
    Flush();
  }

  rtc::scoped_refptr<webrtc::DataChannelInterface> channel;  // signaling thread only
  rtc::scoped_refptr<webrtc::PeerConnectionInterface> pc;    // signaling thread only
  rtc::scoped_refptr<webrtc::SctpTransportInterface> sctp;   // network thread only
  rtc::Thread* network = nullptr;
  const EventQueuePtr queue;
  const uint64_t handle;
  DataChannelInfo info;  // set once by WrapDataChannel
  bool direct_allowed = false;

  std::mutex mutex;
  std::deque<PendingMessage> pending;  // guarded by mutex
  bool flush_posted = false;           // guarded by mutex
  std::atomic<uint64_t> pending_bytes{0};
  std::atomic<uint64_t> native_buffered{0};
  std::atomic<uint64_t> low_threshold{0};
  std::atomic<bool> direct{false};
  // What the direct path sent: libwebrtc's stats count only what went through its Send().
  std::atomic<uint64_t> direct_messages_sent{0};
  std::atomic<uint64_t> direct_bytes_sent{0};
  std::atomic<int> stream_id{-1};
  std::atomic<bool> close_requested{false};  // set on the signaling thread, read on both
  bool flushing = false;              // signaling thread only
  bool close_poll_scheduled = false;  // signaling thread only
};

std::shared_ptr<DataChannel::Impl> WrapDataChannel(
    rtc::scoped_refptr<webrtc::DataChannelInterface> channel, EventQueuePtr queue,
    rtc::scoped_refptr<webrtc::PeerConnectionInterface> pc, rtc::Thread* network,
    bool remote) {
  auto impl = std::make_shared<DataChannel::Impl>(channel, std::move(queue));
  impl->pc = std::move(pc);
  impl->network = network;
  DataChannelInfo& info = impl->info;
  info.label = channel->label();
  info.ordered = channel->ordered();
  if (auto value = channel->maxRetransmitsOpt()) info.max_retransmits = *value;
  if (auto value = channel->maxPacketLifeTime()) info.max_packet_life_time = *value;
  info.protocol = channel->protocol();
  info.negotiated = channel->negotiated();
  info.id = channel->id();
  info.state = static_cast<int>(channel->state());
  // An unordered channel we opened starts on libwebrtc's path: it sends ordered until the
  // peer acknowledges the DCEP OPEN (SwitchToDirect() moves it over after that).
  impl->direct_allowed = info.ordered || info.negotiated || remote;
  return impl;
}

void ObserveDataChannel(DataChannel::Impl& impl) {
  impl.channel->RegisterObserver(&impl);
  if (impl.channel->state() == webrtc::DataChannelInterface::kOpen) impl.OnOpen();
}

uint64_t ChannelHandle(const DataChannel::Impl& impl) { return impl.handle; }

bool DataChannelClosed(const DataChannel::Impl& impl) {
  return impl.channel && impl.channel->state() == webrtc::DataChannelInterface::kClosed;
}

void DetachDataChannel(DataChannel::Impl& impl) {
  if (!impl.channel) return;
  impl.direct.store(false);
  impl.channel->UnregisterObserver();
  impl.channel = nullptr;
  impl.pc = nullptr;
  impl.network->BlockingCall([&] { impl.sctp = nullptr; });
  impl.DropPending();
}

DataChannel::DataChannel(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
DataChannel::~DataChannel() = default;

uint64_t DataChannel::handle() const { return impl_->handle; }
DataChannelInfo DataChannel::info() const { return impl_->info; }

void DataChannel::Send(const char* data, size_t size, bool binary) {
  bool post;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->pending.push_back({rtc::CopyOnWriteBuffer(data, size), binary});
    impl_->pending_bytes.fetch_add(size);
    post = !impl_->flush_posted;
    impl_->flush_posted = true;
  }
  if (post) impl_->PostFlush();
}

uint64_t DataChannel::buffered_amount() const { return impl_->Total(); }

bool DataChannel::direct_path() const { return impl_->direct.load(); }

uint64_t DataChannel::direct_messages_sent() const { return impl_->direct_messages_sent.load(); }
uint64_t DataChannel::direct_bytes_sent() const { return impl_->direct_bytes_sent.load(); }

uint64_t DataChannel::buffered_amount_low_threshold() const {
  return impl_->low_threshold.load();
}

void DataChannel::set_buffered_amount_low_threshold(uint64_t threshold) {
  impl_->low_threshold.store(threshold);
}

void DataChannel::Close() {
  RunOnSignaling([impl = impl_] {
    if (!impl->channel) return;
    impl->close_requested.store(true);
    if (impl->direct.load()) {
      impl->MaybeFinishClose();  // the direct flush calls again when it empties the queue
    } else {
      impl->Flush();  // ends with MaybeFinishClose()
    }
  });
}

}  // namespace pywebrtc
