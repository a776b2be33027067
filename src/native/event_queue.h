// A queue of small event records written by libwebrtc threads and drained by Python on its
// event loop. A writer never runs Python and never takes the GIL: it appends under a mutex and,
// when the queue was empty, signals an eventfd that the loop watches (one wake-up per batch).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace pywebrtc {

enum class EventKind : int {
  // Peer connection events (target 0).
  kSignalingState = 1,
  kIceGatheringState,
  kIceConnectionState,
  kConnectionState,
  kIceCandidate,       // text: candidate line, text2: mid, a: m-line index
  kIceCandidateError,  // text: url, text2: error text, a: error code
  kNegotiationNeeded,
  kDataChannel,        // a: handle of the new channel (take it with take_data_channel)
  kRequestDone,        // a: request id, b: 0 or an error type + 1, text: sdp or message
  kDtlsState,          // a: state
  kTrack,              // a: handle of the remote track, b: index of its transceiver
  // Data channel events (target: the channel's handle).
  kChannelState = 100,  // a: state, b: stream id (-1 when none yet)
  kChannelMessage,      // a: 1 if binary, text: payload
  kChannelBufferedAmountLow,
  kChannelError,  // a: 0 (a refused send) or RTCErrorDetailType + 1, b: SCTP cause or -1,
                  // text: message
  // Remote track events (target: the track's handle).
  kTrackData = 200,  // a frame arrived after Arm()
  kTrackEnded,
};

struct Event {
  uint64_t target = 0;
  EventKind kind{};
  int64_t a = 0;
  int64_t b = 0;
  std::string text;
  std::string text2;
};

class EventQueue {
 public:
  EventQueue();
  ~EventQueue();
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // The eventfd: readable while events are waiting.
  int fd() const { return fd_; }
  // Thread-safe; never blocks on anything but the queue's own mutex.
  void Push(Event event);
  // Takes every waiting event, in order, and clears the eventfd.
  std::vector<Event> Drain();
  size_t pushed() const;

 private:
  int fd_ = -1;
  mutable std::mutex mutex_;
  std::vector<Event> events_;  // guarded by mutex_
  size_t pushed_ = 0;          // guarded by mutex_
};

using EventQueuePtr = std::shared_ptr<EventQueue>;

// Event queues (and so eventfds) not yet destroyed, for leak tests.
size_t LiveEventQueues();

}  // namespace pywebrtc
