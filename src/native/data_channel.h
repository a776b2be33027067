// RTCDataChannel's native half: one libwebrtc data channel, its observer (which only enqueues
// events) and an unbounded send queue that feeds libwebrtc as its buffer drains, so a sender
// that ignores bufferedAmount loses nothing and never trips libwebrtc's 16 MiB limit.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace pywebrtc {

// RTCDataChannelState, in the spec's order.
enum class DataChannelState : int { kConnecting = 0, kOpen, kClosing, kClosed };

struct DataChannelInfo {
  std::string label;
  bool ordered = true;
  std::optional<int> max_retransmits;
  std::optional<int> max_packet_life_time;
  std::string protocol;
  bool negotiated = false;
  int id = -1;  // -1 until the SCTP stream id is known
  int state = 0;
};

class DataChannel {
 public:
  struct Impl;
  explicit DataChannel(std::shared_ptr<Impl> impl);
  ~DataChannel();

  uint64_t handle() const;
  DataChannelInfo info() const;
  // Queues a message; thread-safe, never waits. Throws std::runtime_error once the engine or
  // the peer connection is gone.
  void Send(const char* data, size_t size, bool binary);
  // Bytes accepted by Send() and not yet handed to the SCTP transport.
  uint64_t buffered_amount() const;
  // Whether sends go straight to the SCTP transport (see data_channel.cpp).
  bool direct_path() const;
  // Messages and bytes sent by the direct path, which libwebrtc's stats do not see.
  uint64_t direct_messages_sent() const;
  uint64_t direct_bytes_sent() const;
  uint64_t buffered_amount_low_threshold() const;
  void set_buffered_amount_low_threshold(uint64_t threshold);
  // Closes after everything queued so far has been handed to the transport.
  void Close();

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace pywebrtc
