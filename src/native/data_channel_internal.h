// How a peer connection creates and detaches data channel halves (signaling thread only).
#pragma once

#include <memory>

#include "api/data_channel_interface.h"
#include "data_channel.h"
#include "event_queue.h"

namespace pywebrtc {

// On the signaling thread: wraps `channel`, registers the observer and reports the current
// state as the first event.
std::shared_ptr<DataChannel::Impl> AttachDataChannel(
    rtc::scoped_refptr<webrtc::DataChannelInterface> channel, EventQueuePtr queue);

// On the signaling thread: unregisters the observer and drops the libwebrtc reference.
void DetachDataChannel(DataChannel::Impl& impl);

uint64_t NextHandle();
uint64_t ChannelHandle(const DataChannel::Impl& impl);

}  // namespace pywebrtc
