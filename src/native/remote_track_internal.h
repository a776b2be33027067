// libwebrtc-facing side of RemoteTrack, for peer_connection.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/media_stream_interface.h"
#include "event_queue.h"
#include "remote_track.h"

namespace pywebrtc {

// Signaling thread: puts our sink on `track` and watches its state.
std::shared_ptr<RemoteTrack::Impl> AttachRemoteTrack(
    rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> track, EventQueuePtr queue);
// Signaling thread: takes the sink off, ends the track (kTrackEnded) and lets the libwebrtc
// track go. Idempotent. No frame arrives once it returns.
void DetachRemoteTrack(RemoteTrack::Impl& impl);
void SetStreamIds(RemoteTrack::Impl& impl, std::vector<std::string> stream_ids);
bool IsTrackOf(const RemoteTrack::Impl& impl, const webrtc::MediaStreamTrackInterface* track);
uint64_t TrackHandle(const RemoteTrack::Impl& impl);
// Signaling thread: the libwebrtc track (null once detached), to send it on elsewhere.
rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> LibwebrtcTrack(const RemoteTrack::Impl& impl);

}  // namespace pywebrtc
