#include "data_channel.h"

#include <atomic>
#include <deque>
#include <mutex>
#include <stdexcept>

#include "data_channel_internal.h"
#include "engine_internal.h"
#include "sctp_tracking.h"

namespace pywebrtc {
namespace {

// Keep at most this much in libwebrtc's own send queue; the rest waits in ours.
constexpr uint64_t kNativeHighWater = 1 << 20;

std::atomic<uint64_t> g_next_handle{1};

struct PendingMessage {
  rtc::CopyOnWriteBuffer data;
  bool binary;
};

}  // namespace

uint64_t NextHandle() { return g_next_handle.fetch_add(1); }

struct DataChannel::Impl : public webrtc::DataChannelObserver,
                           public std::enable_shared_from_this<DataChannel::Impl> {
  Impl(rtc::scoped_refptr<webrtc::DataChannelInterface> channel, EventQueuePtr queue)
      : channel(std::move(channel)), queue(std::move(queue)), handle(NextHandle()) {}

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
    signaling->PostTask([self = shared_from_this()] { self->Flush(); });
  }

  // Signaling thread: moves queued messages into libwebrtc while its buffer has room.
  void Flush() {
    if (flushing || !channel) return;
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
        if (!pending.empty()) return;  // Flush() calls again
      }
      if (channel->buffered_amount() > 0) return;  // OnBufferedAmountChange() calls again
      int sid = channel->id();
      size_t queued = network->BlockingCall([&] {
        return pc ? SctpQueuedAmount(pc->GetSctpTransport().get(), sid) : 0;
      });
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
    close_requested = false;
    channel->Close();
  }

  void DropPending() {
    std::lock_guard lock(mutex);
    pending.clear();
    pending_bytes.store(0);
  }

  // webrtc::DataChannelObserver, called on the signaling thread.
  void OnStateChange() override {
    if (!channel) return;
    auto state = channel->state();
    queue->Push({handle, EventKind::kChannelState, static_cast<int64_t>(state), channel->id()});
    if (state == webrtc::DataChannelInterface::kOpen) Flush();
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
  rtc::Thread* network = nullptr;
  const EventQueuePtr queue;
  const uint64_t handle;
  DataChannelInfo info;  // set once by AttachDataChannel

  std::mutex mutex;
  std::deque<PendingMessage> pending;  // guarded by mutex
  bool flush_posted = false;           // guarded by mutex
  std::atomic<uint64_t> pending_bytes{0};
  std::atomic<uint64_t> native_buffered{0};
  std::atomic<uint64_t> low_threshold{0};
  bool flushing = false;          // signaling thread only
  bool close_requested = false;  // signaling thread only
  bool close_poll_scheduled = false;  // signaling thread only
};

std::shared_ptr<DataChannel::Impl> WrapDataChannel(
    rtc::scoped_refptr<webrtc::DataChannelInterface> channel, EventQueuePtr queue,
    rtc::scoped_refptr<webrtc::PeerConnectionInterface> pc, rtc::Thread* network) {
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
  return impl;
}

void ObserveDataChannel(DataChannel::Impl& impl) { impl.channel->RegisterObserver(&impl); }

void DetachDataChannel(DataChannel::Impl& impl) {
  if (!impl.channel) return;
  impl.channel->UnregisterObserver();
  impl.channel = nullptr;
  impl.pc = nullptr;
  impl.DropPending();
}

uint64_t ChannelHandle(const DataChannel::Impl& impl) { return impl.handle; }

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

uint64_t DataChannel::buffered_amount_low_threshold() const {
  return impl_->low_threshold.load();
}

void DataChannel::set_buffered_amount_low_threshold(uint64_t threshold) {
  impl_->low_threshold.store(threshold);
}

void DataChannel::Close() {
  RunOnSignaling([impl = impl_] {
    if (!impl->channel) return;
    impl->close_requested = true;
    impl->Flush();  // ends with MaybeFinishClose()
  });
}

}  // namespace pywebrtc
