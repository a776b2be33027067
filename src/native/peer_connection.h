// RTCPeerConnection's native half. Every libwebrtc callback becomes an Event in this
// connection's queue; asynchronous operations take a request id that comes back in a
// kRequestDone event. Plain types only: libwebrtc stays in the .cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "data_channel.h"
#include "event_queue.h"
#include "local_track.h"
#include "remote_track.h"

namespace pywebrtc {

struct IceServer {
  std::vector<std::string> urls;
  std::string username;
  std::string credential;
};

struct Configuration {
  std::vector<IceServer> ice_servers;
  std::string ice_transport_policy = "all";  // "all" or "relay"
  std::string bundle_policy = "balanced";    // "balanced", "max-compat" or "max-bundle"
};

struct DataChannelInit {
  bool ordered = true;
  std::optional<int> max_retransmits;
  std::optional<int> max_packet_life_time;
  std::string protocol;
  bool negotiated = false;
  std::optional<int> id;
};

struct SessionDescription {
  std::string type;
  std::string sdp;
};

struct TransceiverInfo {
  std::optional<std::string> mid;
  std::string kind;  // "audio" or "video"
  std::string direction;
  std::optional<std::string> current_direction;
  bool stopped = false;
};

// RTCRtpCodecCapability's fields (parameters in libwebrtc's order).
struct CodecCapability {
  std::string mime_type;  // "video/VP8"
  int clock_rate = 0;
  std::optional<int> channels;
  std::vector<std::pair<std::string, std::string>> parameters;
};

struct Capabilities {
  std::vector<CodecCapability> codecs;
  std::vector<std::string> header_extensions;  // URIs
};

// "audio" or "video"; a sender's (or a receiver's) capabilities in this engine. Throws
// std::invalid_argument for another kind.
Capabilities GetCapabilities(const std::string& kind, bool sender);

struct EncodingParameters {
  bool active = true;
  std::optional<int> max_bitrate;  // bits per second
  std::optional<double> max_framerate;
  std::optional<double> scale_resolution_down_by;
};

struct SenderParameters {
  // "", "maintain-framerate", "maintain-resolution", "balanced" (W3C names).
  std::string degradation_preference;
  std::vector<EncodingParameters> encodings;
};

// A libwebrtc RTCError, raised as the matching Python exception by the binding.
struct RtcError {
  int type;  // webrtc::RTCErrorType
  std::string message;
};

class PeerConnection {
 public:
  struct Impl;
  // Throws std::invalid_argument for a bad configuration.
  explicit PeerConnection(const Configuration& configuration);
  ~PeerConnection();
  PeerConnection(const PeerConnection&) = delete;
  PeerConnection& operator=(const PeerConnection&) = delete;

  int event_fd() const;
  std::vector<Event> DrainEvents();

  // Asynchronous: the result arrives as kRequestDone with `request`.
  void CreateOffer(uint64_t request, bool ice_restart);
  void CreateAnswer(uint64_t request);
  // Parses first and throws std::invalid_argument on bad SDP. An empty type means the
  // implicit description (W3C setLocalDescription()).
  void SetLocalDescription(uint64_t request, const std::string& type, const std::string& sdp);
  void SetRemoteDescription(uint64_t request, const std::string& type, const std::string& sdp);
  // `candidate` is the "candidate:..." attribute; throws std::invalid_argument if unparsable.
  void AddIceCandidate(uint64_t request, const std::string& candidate, const std::string& mid,
                       int mline_index);
  void RestartIce();
  // Asynchronous: kRequestDone carries the W3C stats report as JSON (an array of objects).
  void GetStats(uint64_t request);

  std::shared_ptr<DataChannel> CreateDataChannel(const std::string& label,
                                                 const DataChannelInit& init);
  // The channel announced by a kDataChannel event.
  std::shared_ptr<DataChannel> TakeDataChannel(uint64_t handle);

  std::vector<TransceiverInfo> transceivers() const;
  // Adds a transceiver with no track ("audio" or "video"); returns its index. Throws
  // std::invalid_argument for a bad kind or direction.
  size_t AddTransceiver(const std::string& kind, const std::string& direction);
  // The remote track of the index-th transceiver's receiver (its sink is attached on first
  // use). Null once the connection is closed.
  std::shared_ptr<RemoteTrack> ReceiverTrack(size_t index);
  // The index-th transceiver (creation order). Throw RtcError or std::out_of_range.
  void SetTransceiverDirection(size_t index, const std::string& direction);
  void StopTransceiver(size_t index);
  // Sending. Each returns or takes a transceiver index (creation order). A track is one
  // of ours (LocalTrack, fed by Python) or a received one (RemoteTrack), which is then
  // forwarded natively, frame by frame, with no Python in between.
  struct SendTrack {
    const LocalTrack* local = nullptr;
    const RemoteTrack* remote = nullptr;
  };
  // W3C addTrack: reuses an unused transceiver of the track's kind or adds a sendrecv one.
  size_t AddTrack(SendTrack track, const std::vector<std::string>& stream_ids);
  size_t AddTransceiverWithTrack(SendTrack track, const std::string& direction,
                                 const std::vector<std::string>& stream_ids);
  // replaceTrack; an empty SendTrack sends nothing.
  void SetSenderTrack(size_t index, SendTrack track);
  // The stream ids the sender's msid carries from the next negotiation on.
  void SetSenderStreams(size_t index, const std::vector<std::string>& stream_ids);
  void RemoveTrack(size_t index);
  void SetCodecPreferences(size_t index, const std::vector<CodecCapability>& codecs);
  SenderParameters GetSenderParameters(size_t index);
  void SetSenderParameters(size_t index, const SenderParameters& parameters);
  // The bitrate congestion control starts from (libwebrtc's default is 300 kbps).
  void SetStartBitrate(int bits_per_second);
  // Asynchronous, as GetStats, for one transceiver's sender or receiver.
  void GetSenderStats(uint64_t request, size_t index);
  void GetReceiverStats(uint64_t request, size_t index);
  // The synchronization and contributing sources heard in the last 10 s, as
  // (milliseconds since last heard, source, is_contributing).
  std::vector<std::tuple<int64_t, uint32_t, bool>> GetReceiverSources(size_t index);

  // `which`: "" (pending, else current), "current" or "pending".
  std::optional<SessionDescription> local_description(const std::string& which = "") const;
  // Closes and releases every libwebrtc object; descriptions read as None afterwards.
  void Close();

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace pywebrtc
