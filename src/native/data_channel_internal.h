// How a peer connection creates and detaches data channel halves (signaling thread only).
#pragma once

#include <memory>

#include "api/data_channel_interface.h"
#include "api/peer_connection_interface.h"
#include "rtc_base/thread.h"
#include "data_channel.h"
#include "event_queue.h"

namespace pywebrtc {

// On the signaling thread: wraps `channel` and records its configuration and state.
// `pc` and `network` let a closing channel wait for its SCTP stream to drain.
std::shared_ptr<DataChannel::Impl> WrapDataChannel(
    rtc::scoped_refptr<webrtc::DataChannelInterface> channel, EventQueuePtr queue,
    rtc::scoped_refptr<webrtc::PeerConnectionInterface> pc, rtc::Thread* network, bool remote);

// On the signaling thread: starts delivering the channel's events. Registering may replay
// state changes and queued messages at once, so announce the channel before calling this.
void ObserveDataChannel(DataChannel::Impl& impl);

// On the signaling thread: unregisters the observer and drops the libwebrtc reference.
void DetachDataChannel(DataChannel::Impl& impl);

// On the signaling thread: whether libwebrtc's channel reached "closed" (its close event is
// then queued already). False once detached.
bool DataChannelClosed(const DataChannel::Impl& impl);

uint64_t NextHandle();
uint64_t ChannelHandle(const DataChannel::Impl& impl);

}  // namespace pywebrtc
