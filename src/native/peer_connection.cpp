#include "peer_connection.h"

#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "api/dtls_transport_interface.h"
#include "api/jsep.h"
#include "api/peer_connection_interface.h"
#include "api/rtp_parameters.h"
#include "api/sctp_transport_interface.h"
#include "api/stats/rtc_stats_collector_callback.h"
#include "api/stats/rtc_stats_report.h"
#include "p2p/client/basic_port_allocator.h"
#include "rtc_base/rtc_certificate_generator.h"
#include "rtc_base/time_utils.h"

#include "data_channel_internal.h"
#include "engine_internal.h"
#include "local_track_internal.h"
#include "remote_track_internal.h"

namespace pywebrtc {
namespace {

RtcError ToRtcError(const webrtc::RTCError& error) {
  return {static_cast<int>(error.type()), error.message()};
}

void ThrowIfError(const webrtc::RTCError& error) {
  if (!error.ok()) throw ToRtcError(error);
}

void PushRequestDone(EventQueue& queue, uint64_t request, const webrtc::RTCError& error,
                     std::string text = {}, std::string text2 = {}) {
  Event event{0, EventKind::kRequestDone, static_cast<int64_t>(request)};
  if (error.ok()) {
    event.text = std::move(text);
    event.text2 = std::move(text2);
  } else {
    event.b = static_cast<int64_t>(error.type()) + 1;
    event.text = error.message();
  }
  queue.Push(std::move(event));
}

std::optional<SessionDescription> Describe(const webrtc::SessionDescriptionInterface* desc) {
  if (!desc) return std::nullopt;
  SessionDescription out;
  out.type = desc->type();
  desc->ToString(&out.sdp);
  return out;
}

class CreateSdpObserver : public webrtc::CreateSessionDescriptionObserver {
 public:
  CreateSdpObserver(EventQueuePtr queue, uint64_t request)
      : queue_(std::move(queue)), request_(request) {}
  void OnSuccess(webrtc::SessionDescriptionInterface* desc) override {
    std::unique_ptr<webrtc::SessionDescriptionInterface> owned(desc);
    auto described = Describe(owned.get());
    PushRequestDone(*queue_, request_, webrtc::RTCError::OK(), described->sdp, described->type);
  }
  void OnFailure(webrtc::RTCError error) override {
    PushRequestDone(*queue_, request_, error);
  }

 private:
  EventQueuePtr queue_;
  uint64_t request_;
};

std::unique_ptr<webrtc::SessionDescriptionInterface> ParseDescription(const std::string& type,
                                                                      const std::string& sdp) {
  auto sdp_type = webrtc::SdpTypeFromString(type);
  if (!sdp_type) throw std::invalid_argument("unknown session description type '" + type + "'");
  webrtc::SdpParseError error;
  auto desc = webrtc::CreateSessionDescription(*sdp_type, sdp, &error);
  if (!desc) {
    std::string message = "invalid SDP";
    if (!error.description.empty()) message += ": " + error.description;
    if (!error.line.empty()) message += " (line '" + error.line + "')";
    throw std::invalid_argument(message);
  }
  return desc;
}

webrtc::PeerConnectionInterface::RTCConfiguration ToRtcConfiguration(
    const Configuration& configuration) {
  webrtc::PeerConnectionInterface::RTCConfiguration config;
  config.sdp_semantics = webrtc::SdpSemantics::kUnifiedPlan;
  // A candidate pair turns unwritable (the W3C layer's "disconnected") after 5 unanswered
  // checks and, by default, 5 s without a response; so a link cut for 5 s went unnoticed
  // on one side or the other. 2.5 s, libwebrtc's receiving timeout too, reports a dead link
  // within about 3 s; at 30% loss each way 5 checks in a row still rarely all fail.
  config.ice_unwritable_timeout = 2500;
  for (const auto& server : configuration.ice_servers) {
    webrtc::PeerConnectionInterface::IceServer ice_server;
    ice_server.urls = server.urls;
    ice_server.username = server.username;
    ice_server.password = server.credential;
    config.servers.push_back(std::move(ice_server));
  }
  if (configuration.ice_transport_policy == "all") {
    config.type = webrtc::PeerConnectionInterface::kAll;
  } else if (configuration.ice_transport_policy == "relay") {
    config.type = webrtc::PeerConnectionInterface::kRelay;
  } else {
    throw std::invalid_argument("iceTransportPolicy must be 'all' or 'relay'");
  }
  if (configuration.bundle_policy == "balanced") {
    config.bundle_policy = webrtc::PeerConnectionInterface::kBundlePolicyBalanced;
  } else if (configuration.bundle_policy == "max-compat") {
    config.bundle_policy = webrtc::PeerConnectionInterface::kBundlePolicyMaxCompat;
  } else if (configuration.bundle_policy == "max-bundle") {
    config.bundle_policy = webrtc::PeerConnectionInterface::kBundlePolicyMaxBundle;
  } else {
    throw std::invalid_argument("bundlePolicy must be 'balanced', 'max-compat' or 'max-bundle'");
  }
  return config;
}

}  // namespace

struct PeerConnection::Impl : public webrtc::PeerConnectionObserver,
                              public webrtc::DtlsTransportObserverInterface,
                              public Closable {
  explicit Impl(EventQueuePtr queue) : queue(std::move(queue)) {}

  // webrtc::PeerConnectionObserver, on the signaling thread.
  void OnSignalingChange(webrtc::PeerConnectionInterface::SignalingState state) override {
    queue->Push({0, EventKind::kSignalingState, static_cast<int64_t>(state)});
  }
  void OnDataChannel(rtc::scoped_refptr<webrtc::DataChannelInterface> channel) override {
    auto impl = WrapDataChannel(std::move(channel), queue, pc, network, /*remote=*/true);
    AddChannel(impl);
    uint64_t handle = ChannelHandle(*impl);
    {
      std::lock_guard lock(mutex);
      announced[handle] = impl;
    }
    queue->Push({0, EventKind::kDataChannel, static_cast<int64_t>(handle)});
    ObserveDataChannel(*impl);
  }
  void OnTrack(rtc::scoped_refptr<webrtc::RtpTransceiverInterface> transceiver) override {
    // Proxies of one transceiver need not be the same object: match on the receiver's id.
    const std::string receiver_id = transceiver->receiver()->id();
    auto transceivers = pc->GetTransceivers();
    for (size_t index = 0; index < transceivers.size(); ++index) {
      if (transceivers[index]->receiver()->id() != receiver_id) continue;
      auto receiver = transceiver->receiver();
      auto& track = TrackOf(*receiver);
      SetStreamIds(*track, receiver->stream_ids());
      queue->Push({0, EventKind::kTrack, static_cast<int64_t>(TrackHandle(*track)),
                   static_cast<int64_t>(index)});
    }
  }
  void OnRenegotiationNeeded() override {}
  void OnNegotiationNeededEvent(uint32_t event_id) override {
    if (pc && pc->ShouldFireNegotiationNeededEvent(event_id)) {
      queue->Push({0, EventKind::kNegotiationNeeded, event_id});
    }
  }
  void OnIceConnectionChange(webrtc::PeerConnectionInterface::IceConnectionState) override {}
  void OnStandardizedIceConnectionChange(
      webrtc::PeerConnectionInterface::IceConnectionState state) override {
    queue->Push({0, EventKind::kIceConnectionState, static_cast<int64_t>(state)});
  }
  void OnConnectionChange(webrtc::PeerConnectionInterface::PeerConnectionState state) override {
    if (state == webrtc::PeerConnectionInterface::PeerConnectionState::kConnected) WatchDtls();
    queue->Push({0, EventKind::kConnectionState, static_cast<int64_t>(state)});
  }
  void OnIceGatheringChange(webrtc::PeerConnectionInterface::IceGatheringState state) override {
    queue->Push({0, EventKind::kIceGatheringState, static_cast<int64_t>(state)});
  }
  void OnIceCandidate(const webrtc::IceCandidateInterface* candidate) override {
    Event event{0, EventKind::kIceCandidate, candidate->sdp_mline_index()};
    candidate->ToString(&event.text);
    event.text2 = candidate->sdp_mid();
    queue->Push(std::move(event));
  }
  void OnIceCandidateError(const std::string& address, int port, const std::string& url,
                           int error_code, const std::string& error_text) override {
    queue->Push({0, EventKind::kIceCandidateError, error_code, port, url, error_text});
  }

  // webrtc::DtlsTransportObserverInterface, on the network thread.
  void OnStateChange(webrtc::DtlsTransportInformation info) override {
    queue->Push({0, EventKind::kDtlsState, static_cast<int64_t>(info.state())});
  }
  void OnError(webrtc::RTCError) override {}

  // Signaling thread: watch the DTLS transports in use, to learn when the remote side closes.
  void WatchDtls() {
    std::vector<rtc::scoped_refptr<webrtc::DtlsTransportInterface>> found;
    for (const auto& sender : pc->GetSenders()) {
      if (auto dtls = sender->dtls_transport()) found.push_back(dtls);
    }
    // The SCTP transport and DtlsTransport belong to the network thread.
    network->BlockingCall([&] {
      if (auto sctp = pc->GetSctpTransport()) {
        if (auto dtls = sctp->dtls_transport()) found.push_back(dtls);
      }
      for (auto& dtls : found) {
        bool known = false;
        for (auto& watched : dtls_watched) known = known || watched == dtls;
        if (known) continue;
        dtls->RegisterObserver(this);
        dtls_watched.push_back(dtls);
      }
    });
  }

  // Signaling thread: our sink on the receiver's track, attached on first use.
  std::shared_ptr<RemoteTrack::Impl>& TrackOf(webrtc::RtpReceiverInterface& receiver) {
    auto libwebrtc_track = receiver.track();
    for (auto& track : tracks) {
      if (IsTrackOf(*track, libwebrtc_track.get())) return track;
    }
    tracks.push_back(AttachRemoteTrack(libwebrtc_track, queue));
    return tracks.back();
  }

  // Signaling thread: closes and lets go of every libwebrtc object.
  void Release() {
    if (!pc) return;
    pc->Close();
    for (auto& track : tracks) DetachRemoteTrack(*track);
    tracks.clear();
    network->BlockingCall([&] {
      for (auto& dtls : dtls_watched) dtls->UnregisterObserver();
      dtls_watched.clear();
    });
    for (auto& channel : channels) DetachDataChannel(*channel);
    channels.clear();
    pc = nullptr;
  }

  void CloseForShutdown() override {
    RunOnSignaling([this] { Release(); });
    released = true;
  }

  const EventQueuePtr queue;
  rtc::Thread* network = nullptr;
  rtc::scoped_refptr<webrtc::PeerConnectionInterface> pc;  // released on the signaling thread
  // Signaling thread: keeps `channel` until the connection closes or the channel does. A
  // peer that opens and closes channels without end (1,000 at a time, over and over) grew
  // the list, and memory with it, by 4 KiB a channel; closed ones now go as others come.
  void AddChannel(std::shared_ptr<DataChannel::Impl> channel) {
    std::erase_if(channels, [](const auto& held) {
      if (!DataChannelClosed(*held)) return false;
      DetachDataChannel(*held);
      return true;
    });
    channels.push_back(std::move(channel));
  }

  std::vector<std::shared_ptr<DataChannel::Impl>> channels;  // signaling thread only
  std::vector<std::shared_ptr<RemoteTrack::Impl>> tracks;    // signaling thread only
  // Touched only inside blocking calls to the network thread.
  std::vector<rtc::scoped_refptr<webrtc::DtlsTransportInterface>> dtls_watched;
  std::mutex mutex;
  std::map<uint64_t, std::shared_ptr<DataChannel::Impl>> announced;  // guarded by mutex
  std::atomic<bool> released{false};
};

PeerConnection::PeerConnection(const Configuration& configuration) {
  auto rtc_configuration = ToRtcConfiguration(configuration);
  // Generate the DTLS certificate now (ECDSA P-256, about a millisecond), as aiortc does in
  // its constructor: libwebrtc would otherwise generate it in the background and make the
  // first createOffer wait for it.
  auto certificate = rtc::RTCCertificateGenerator::GenerateCertificate(
      rtc::KeyParams::ECDSA(rtc::EC_NIST_P256), absl::nullopt);
  if (!certificate) throw std::runtime_error("could not generate a DTLS certificate");
  rtc_configuration.certificates.push_back(certificate);
  const EngineUse engine = UseEngine();
  impl_ = std::make_shared<Impl>(std::make_shared<EventQueue>());
  impl_->network = engine->network;
  webrtc::PeerConnectionDependencies dependencies(impl_.get());
  // Our own allocator, so gathering can run its phases back to back (below).
  auto allocator = std::make_unique<cricket::BasicPortAllocator>(
      engine->network_manager, engine->socket_factory, rtc_configuration.turn_customizer);
  cricket::PortAllocator* allocator_ptr = allocator.get();
  dependencies.allocator = std::move(allocator);
  auto result = engine->factory->CreatePeerConnectionOrError(rtc_configuration,
                                                            std::move(dependencies));
  ThrowIfError(result.error());
  // libwebrtc waits 50 ms between the UDP, relay and TCP gathering phases; with no wait,
  // gathering completes in a few milliseconds, which non-trickle signaling (aiortc's
  // setLocalDescription) waits for.
  engine->network->BlockingCall([&] { allocator_ptr->set_step_delay(0); });
  // Assigned on the signaling thread, where every callback reads it.
  RunOnSignaling([&] { impl_->pc = result.MoveValue(); });
  RegisterClosable(impl_.get());
}

PeerConnection::~PeerConnection() {
  UnregisterClosable(impl_.get());
  if (!impl_->released) {
    try {
      RunOnSignaling([impl = impl_.get()] { impl->Release(); });
    } catch (const std::exception&) {
      // The engine is gone, and with it everything this connection held.
    }
  }
}

int PeerConnection::event_fd() const { return impl_->queue->fd(); }

std::vector<Event> PeerConnection::DrainEvents() { return impl_->queue->Drain(); }

namespace {
void RequireOpen(const PeerConnection::Impl& impl) {
  if (impl.released || !impl.pc) throw std::runtime_error("the peer connection is released");
}
}  // namespace

void PeerConnection::CreateOffer(uint64_t request, bool ice_restart) {
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    webrtc::PeerConnectionInterface::RTCOfferAnswerOptions options;
    options.ice_restart = ice_restart;
    // CreateOffer takes its own reference: hand it a pointer we keep, never a released one
    // (a released reference is never dropped, and the observer would keep our event queue
    // and its eventfd alive for good).
    auto observer = rtc::make_ref_counted<CreateSdpObserver>(impl_->queue, request);
    impl_->pc->CreateOffer(observer.get(), options);
  });
}

void PeerConnection::CreateAnswer(uint64_t request) {
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    auto observer = rtc::make_ref_counted<CreateSdpObserver>(impl_->queue, request);
    impl_->pc->CreateAnswer(observer.get(),
                            webrtc::PeerConnectionInterface::RTCOfferAnswerOptions());
  });
}

namespace {

class SetLocalObserver : public webrtc::SetLocalDescriptionObserverInterface {
 public:
  SetLocalObserver(PeerConnection::Impl* impl, uint64_t request)
      : queue_(impl->queue), impl_(impl), request_(request) {}
  // Signaling thread; the connection is alive (it owns the operation that calls us).
  void OnSetLocalDescriptionComplete(webrtc::RTCError error) override {
    std::string sdp, type;
    if (error.ok() && impl_->pc) {
      if (auto desc = Describe(impl_->pc->local_description())) {
        sdp = std::move(desc->sdp);
        type = std::move(desc->type);
      }
    }
    PushRequestDone(*queue_, request_, error, std::move(sdp), std::move(type));
  }

 private:
  EventQueuePtr queue_;
  PeerConnection::Impl* impl_;
  uint64_t request_;
};

class SetRemoteObserver : public webrtc::SetRemoteDescriptionObserverInterface {
 public:
  SetRemoteObserver(EventQueuePtr queue, uint64_t request)
      : queue_(std::move(queue)), request_(request) {}
  void OnSetRemoteDescriptionComplete(webrtc::RTCError error) override {
    PushRequestDone(*queue_, request_, error);
  }

 private:
  EventQueuePtr queue_;
  uint64_t request_;
};

}  // namespace

void PeerConnection::SetLocalDescription(uint64_t request, const std::string& type,
                                         const std::string& sdp) {
  std::unique_ptr<webrtc::SessionDescriptionInterface> desc;
  if (!type.empty()) desc = ParseDescription(type, sdp);
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    auto observer = rtc::make_ref_counted<SetLocalObserver>(impl_.get(), request);
    if (desc) {
      impl_->pc->SetLocalDescription(std::move(desc), observer);
    } else {
      impl_->pc->SetLocalDescription(observer);
    }
  });
}

void PeerConnection::SetRemoteDescription(uint64_t request, const std::string& type,
                                          const std::string& sdp) {
  auto desc = ParseDescription(type, sdp);
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    impl_->pc->SetRemoteDescription(
        std::move(desc), rtc::make_ref_counted<SetRemoteObserver>(impl_->queue, request));
  });
}

void PeerConnection::AddIceCandidate(uint64_t request, const std::string& candidate,
                                     const std::string& mid, int mline_index) {
  webrtc::SdpParseError error;
  std::unique_ptr<webrtc::IceCandidateInterface> parsed(
      webrtc::CreateIceCandidate(mid, mline_index, candidate, &error));
  if (!parsed) {
    std::string message = "invalid ICE candidate";
    if (!error.description.empty()) message += ": " + error.description;
    throw std::invalid_argument(message);
  }
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    impl_->pc->AddIceCandidate(std::move(parsed),
                               [queue = impl_->queue, request](webrtc::RTCError result) {
                                 PushRequestDone(*queue, request, result);
                               });
  });
}

namespace {
class StatsCallback : public webrtc::RTCStatsCollectorCallback {
 public:
  StatsCallback(EventQueuePtr queue, uint64_t request)
      : queue_(std::move(queue)), request_(request) {}
  void OnStatsDelivered(const rtc::scoped_refptr<const webrtc::RTCStatsReport>& report) override {
    PushRequestDone(*queue_, request_, webrtc::RTCError::OK(), report->ToJson());
  }

 private:
  EventQueuePtr queue_;
  uint64_t request_;
};
}  // namespace

void PeerConnection::GetStats(uint64_t request) {
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    impl_->pc->GetStats(rtc::make_ref_counted<StatsCallback>(impl_->queue, request).get());
  });
}

void PeerConnection::RestartIce() {
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    impl_->pc->RestartIce();
  });
}

std::shared_ptr<DataChannel> PeerConnection::CreateDataChannel(const std::string& label,
                                                               const DataChannelInit& init) {
  webrtc::DataChannelInit config;
  config.ordered = init.ordered;
  // libwebrtc's absl::optional is not std::optional in Debian's Abseil build.
  if (init.max_retransmits) config.maxRetransmits = *init.max_retransmits;
  if (init.max_packet_life_time) config.maxRetransmitTime = *init.max_packet_life_time;
  config.protocol = init.protocol;
  config.negotiated = init.negotiated;
  config.id = init.id.value_or(-1);
  std::shared_ptr<DataChannel::Impl> impl;
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    auto result = impl_->pc->CreateDataChannelOrError(label, &config);
    ThrowIfError(result.error());
    impl = WrapDataChannel(result.MoveValue(), impl_->queue, impl_->pc, impl_->network,
                           /*remote=*/false);
    ObserveDataChannel(*impl);
    impl_->AddChannel(impl);
  });
  return std::make_shared<DataChannel>(std::move(impl));
}

std::shared_ptr<DataChannel> PeerConnection::TakeDataChannel(uint64_t handle) {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->announced.find(handle);
  if (it == impl_->announced.end()) return nullptr;
  auto channel = std::make_shared<DataChannel>(std::move(it->second));
  impl_->announced.erase(it);
  return channel;
}

namespace {
std::string DirectionName(webrtc::RtpTransceiverDirection direction) {
  switch (direction) {
    case webrtc::RtpTransceiverDirection::kSendRecv: return "sendrecv";
    case webrtc::RtpTransceiverDirection::kSendOnly: return "sendonly";
    case webrtc::RtpTransceiverDirection::kRecvOnly: return "recvonly";
    case webrtc::RtpTransceiverDirection::kInactive: return "inactive";
    case webrtc::RtpTransceiverDirection::kStopped: return "stopped";
  }
  return "inactive";
}
}  // namespace

namespace {
std::optional<webrtc::RtpTransceiverDirection> DirectionFromName(const std::string& name) {
  if (name == "sendrecv") return webrtc::RtpTransceiverDirection::kSendRecv;
  if (name == "sendonly") return webrtc::RtpTransceiverDirection::kSendOnly;
  if (name == "recvonly") return webrtc::RtpTransceiverDirection::kRecvOnly;
  if (name == "inactive") return webrtc::RtpTransceiverDirection::kInactive;
  return std::nullopt;
}

// Signaling thread: the index-th transceiver, in creation order. (Exceptions thrown here
// reach the caller through RunOnSignaling.)
rtc::scoped_refptr<webrtc::RtpTransceiverInterface> TransceiverAt(PeerConnection::Impl& impl,
                                                                  size_t index) {
  RequireOpen(impl);
  auto transceivers = impl.pc->GetTransceivers();
  if (index >= transceivers.size()) throw std::out_of_range("no such transceiver");
  return transceivers[index];
}
}  // namespace

void PeerConnection::SetTransceiverDirection(size_t index, const std::string& direction) {
  auto value = DirectionFromName(direction);
  if (!value) throw std::invalid_argument("invalid direction '" + direction + "'");
  RunOnSignaling(
      [&] { ThrowIfError(TransceiverAt(*impl_, index)->SetDirectionWithError(*value)); });
}

void PeerConnection::StopTransceiver(size_t index) {
  RunOnSignaling([&] { ThrowIfError(TransceiverAt(*impl_, index)->StopStandard()); });
}

size_t PeerConnection::AddTransceiver(const std::string& kind, const std::string& direction) {
  cricket::MediaType media_type;
  if (kind == "audio") {
    media_type = cricket::MEDIA_TYPE_AUDIO;
  } else if (kind == "video") {
    media_type = cricket::MEDIA_TYPE_VIDEO;
  } else {
    throw std::invalid_argument("invalid kind '" + kind + "'");
  }
  auto value = DirectionFromName(direction);
  if (!value) throw std::invalid_argument("invalid direction '" + direction + "'");
  webrtc::RtpTransceiverInit init;
  init.direction = *value;
  size_t index = 0;
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    auto result = impl_->pc->AddTransceiver(media_type, init);
    ThrowIfError(result.error());
    index = impl_->pc->GetTransceivers().size() - 1;
  });
  return index;
}

std::shared_ptr<RemoteTrack> PeerConnection::ReceiverTrack(size_t index) {
  std::shared_ptr<RemoteTrack> out;
  RunOnSignaling([&] {
    if (!impl_->pc) return;
    auto transceiver = TransceiverAt(*impl_, index);
    out = std::make_shared<RemoteTrack>(impl_->TrackOf(*transceiver->receiver()));
  });
  return out;
}

std::vector<TransceiverInfo> PeerConnection::transceivers() const {
  std::vector<TransceiverInfo> out;
  RunOnSignaling([&] {
    if (!impl_->pc) return;
    for (const auto& transceiver : impl_->pc->GetTransceivers()) {
      TransceiverInfo info;
      if (auto mid = transceiver->mid()) info.mid = *mid;
      info.kind = transceiver->media_type() == cricket::MEDIA_TYPE_AUDIO ? "audio" : "video";
      info.direction = DirectionName(transceiver->direction());
      if (auto current = transceiver->current_direction()) {
        info.current_direction = DirectionName(*current);
      }
      info.stopped = transceiver->stopped();
      out.push_back(std::move(info));
    }
  });
  return out;
}

std::optional<SessionDescription> PeerConnection::local_description(
    const std::string& which) const {
  if (!which.empty() && which != "current" && which != "pending") {
    throw std::invalid_argument("which must be '', 'current' or 'pending'");
  }
  std::optional<SessionDescription> out;
  RunOnSignaling([&] {
    if (!impl_->pc) return;
    if (which == "current") {
      out = Describe(impl_->pc->current_local_description());
    } else if (which == "pending") {
      out = Describe(impl_->pc->pending_local_description());
    } else {
      out = Describe(impl_->pc->local_description());
    }
  });
  return out;
}

void PeerConnection::Close() {
  // Everything goes now, on the signaling thread: a closed connection is never used again,
  // and its teardown (threads of the call, transports) should not wait for the GC.
  RunOnSignaling([&] { impl_->Release(); });
}

namespace {

cricket::MediaType MediaTypeOf(const std::string& kind) {
  if (kind == "audio") return cricket::MEDIA_TYPE_AUDIO;
  if (kind == "video") return cricket::MEDIA_TYPE_VIDEO;
  throw std::invalid_argument("invalid kind '" + kind + "'");
}

// Signaling thread: the index of the transceiver whose sender is `sender`.
size_t IndexOfSender(PeerConnection::Impl& impl,
                     const rtc::scoped_refptr<webrtc::RtpSenderInterface>& sender) {
  auto transceivers = impl.pc->GetTransceivers();
  for (size_t index = 0; index < transceivers.size(); ++index) {
    if (transceivers[index]->sender()->id() == sender->id()) return index;
  }
  throw std::runtime_error("the new sender has no transceiver");
}

webrtc::RtpCodecCapability ToLibwebrtc(const CodecCapability& codec) {
  webrtc::RtpCodecCapability out;
  const auto slash = codec.mime_type.find('/');
  if (slash == std::string::npos) {
    throw std::invalid_argument("invalid mimeType '" + codec.mime_type + "'");
  }
  const std::string kind = codec.mime_type.substr(0, slash);
  out.kind = MediaTypeOf(kind);
  out.name = codec.mime_type.substr(slash + 1);
  out.clock_rate = codec.clock_rate;
  if (codec.channels) out.num_channels = *codec.channels;
  for (const auto& [key, value] : codec.parameters) out.parameters[key] = value;
  return out;
}

CodecCapability FromLibwebrtc(const webrtc::RtpCodecCapability& codec) {
  CodecCapability out;
  out.mime_type = codec.mime_type();
  out.clock_rate = codec.clock_rate.value_or(0);
  if (codec.num_channels) out.channels = *codec.num_channels;
  for (const auto& [key, value] : codec.parameters) out.parameters.emplace_back(key, value);
  return out;
}

const char* DegradationName(webrtc::DegradationPreference preference) {
  switch (preference) {
    case webrtc::DegradationPreference::MAINTAIN_FRAMERATE: return "maintain-framerate";
    case webrtc::DegradationPreference::MAINTAIN_RESOLUTION: return "maintain-resolution";
    case webrtc::DegradationPreference::BALANCED: return "balanced";
    case webrtc::DegradationPreference::DISABLED: return "disabled";
  }
  return "";
}

// Signaling thread: the libwebrtc track to send (null for none, or a detached remote one).
rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> Resolve(PeerConnection::SendTrack track) {
  if (track.local) return TrackOf(*track.local);
  if (track.remote) return LibwebrtcTrack(track.remote->impl());
  return nullptr;
}

rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> ResolveSome(
    PeerConnection::SendTrack track) {
  auto resolved = Resolve(track);
  if (!resolved) {
    throw RtcError{static_cast<int>(webrtc::RTCErrorType::INVALID_STATE),
                   "the track has ended"};
  }
  return resolved;
}

}  // namespace

Capabilities GetCapabilities(const std::string& kind, bool sender) {
  const cricket::MediaType type = MediaTypeOf(kind);
  const EngineUse engine = UseEngine();
  webrtc::RtpCapabilities capabilities = sender
                                             ? engine->factory->GetRtpSenderCapabilities(type)
                                             : engine->factory->GetRtpReceiverCapabilities(type);
  Capabilities out;
  for (const auto& codec : capabilities.codecs) out.codecs.push_back(FromLibwebrtc(codec));
  for (const auto& extension : capabilities.header_extensions) {
    out.header_extensions.push_back(extension.uri);
  }
  return out;
}

size_t PeerConnection::AddTrack(SendTrack track, const std::vector<std::string>& stream_ids) {
  size_t index = 0;
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    auto result = impl_->pc->AddTrack(ResolveSome(track), stream_ids);
    ThrowIfError(result.error());
    index = IndexOfSender(*impl_, result.value());
  });
  return index;
}

size_t PeerConnection::AddTransceiverWithTrack(SendTrack track,
                                               const std::string& direction,
                                               const std::vector<std::string>& stream_ids) {
  auto value = DirectionFromName(direction);
  if (!value) throw std::invalid_argument("invalid direction '" + direction + "'");
  webrtc::RtpTransceiverInit init;
  init.direction = *value;
  init.stream_ids = stream_ids;
  size_t index = 0;
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    auto result = impl_->pc->AddTransceiver(ResolveSome(track), init);
    ThrowIfError(result.error());
    index = impl_->pc->GetTransceivers().size() - 1;
  });
  return index;
}

void PeerConnection::SetSenderTrack(size_t index, SendTrack track) {
  RunOnSignaling([&] {
    auto transceiver = TransceiverAt(*impl_, index);
    rtc::scoped_refptr<webrtc::MediaStreamTrackInterface> libwebrtc_track;
    if (track.local || track.remote) libwebrtc_track = ResolveSome(track);
    if (!transceiver->sender()->SetTrack(libwebrtc_track.get())) {
      throw RtcError{static_cast<int>(webrtc::RTCErrorType::INVALID_MODIFICATION),
                     "the sender cannot take this track"};
    }
  });
}

void PeerConnection::SetSenderStreams(size_t index, const std::vector<std::string>& stream_ids) {
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    TransceiverAt(*impl_, index)->sender()->SetStreams(stream_ids);
  });
}

void PeerConnection::RemoveTrack(size_t index) {
  RunOnSignaling([&] {
    auto transceiver = TransceiverAt(*impl_, index);
    ThrowIfError(impl_->pc->RemoveTrackOrError(transceiver->sender()));
  });
}

void PeerConnection::SetCodecPreferences(size_t index,
                                         const std::vector<CodecCapability>& codecs) {
  std::vector<webrtc::RtpCodecCapability> converted;
  for (const auto& codec : codecs) converted.push_back(ToLibwebrtc(codec));
  RunOnSignaling([&] {
    auto transceiver = TransceiverAt(*impl_, index);
    ThrowIfError(transceiver->SetCodecPreferences(converted));
  });
}

SenderParameters PeerConnection::GetSenderParameters(size_t index) {
  SenderParameters out;
  RunOnSignaling([&] {
    auto parameters = TransceiverAt(*impl_, index)->sender()->GetParameters();
    if (parameters.degradation_preference) {
      out.degradation_preference = DegradationName(*parameters.degradation_preference);
    }
    for (const auto& encoding : parameters.encodings) {
      EncodingParameters e;
      e.active = encoding.active;
      if (encoding.max_bitrate_bps) e.max_bitrate = *encoding.max_bitrate_bps;
      if (encoding.max_framerate) e.max_framerate = *encoding.max_framerate;
      if (encoding.scale_resolution_down_by) {
        e.scale_resolution_down_by = *encoding.scale_resolution_down_by;
      }
      out.encodings.push_back(e);
    }
  });
  return out;
}

void PeerConnection::SetSenderParameters(size_t index, const SenderParameters& parameters) {
  absl::optional<webrtc::DegradationPreference> degradation;
  const std::string& name = parameters.degradation_preference;
  if (name == "maintain-framerate") {
    degradation = webrtc::DegradationPreference::MAINTAIN_FRAMERATE;
  } else if (name == "maintain-resolution") {
    degradation = webrtc::DegradationPreference::MAINTAIN_RESOLUTION;
  } else if (name == "balanced") {
    degradation = webrtc::DegradationPreference::BALANCED;
  } else if (!name.empty()) {
    throw std::invalid_argument("invalid degradationPreference '" + name + "'");
  }
  RunOnSignaling([&] {
    auto sender = TransceiverAt(*impl_, index)->sender();
    auto current = sender->GetParameters();
    current.degradation_preference = degradation;
    if (parameters.encodings.size() != current.encodings.size()) {
      throw RtcError{static_cast<int>(webrtc::RTCErrorType::INVALID_MODIFICATION),
                     "setParameters cannot change the number of encodings"};
    }
    for (size_t i = 0; i < current.encodings.size(); ++i) {
      const auto& in = parameters.encodings[i];
      auto& out = current.encodings[i];
      out.active = in.active;
      out.max_bitrate_bps = in.max_bitrate ? absl::optional<int>(*in.max_bitrate) : absl::nullopt;
      out.max_framerate =
          in.max_framerate ? absl::optional<double>(*in.max_framerate) : absl::nullopt;
      out.scale_resolution_down_by = in.scale_resolution_down_by
                                         ? absl::optional<double>(*in.scale_resolution_down_by)
                                         : absl::nullopt;
    }
    ThrowIfError(sender->SetParameters(current));
  });
}

void PeerConnection::SetStartBitrate(int bits_per_second) {
  webrtc::BitrateSettings settings;
  settings.start_bitrate_bps = bits_per_second;
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    ThrowIfError(impl_->pc->SetBitrate(settings));
  });
}

void PeerConnection::GetSenderStats(uint64_t request, size_t index) {
  RunOnSignaling([&] {
    auto sender = TransceiverAt(*impl_, index)->sender();
    impl_->pc->GetStats(sender, rtc::make_ref_counted<StatsCallback>(impl_->queue, request));
  });
}

void PeerConnection::GetReceiverStats(uint64_t request, size_t index) {
  RunOnSignaling([&] {
    auto receiver = TransceiverAt(*impl_, index)->receiver();
    impl_->pc->GetStats(receiver, rtc::make_ref_counted<StatsCallback>(impl_->queue, request));
  });
}

std::vector<std::tuple<int64_t, uint32_t, bool>> PeerConnection::GetReceiverSources(size_t index) {
  std::vector<std::tuple<int64_t, uint32_t, bool>> out;
  RunOnSignaling([&] {
    RequireOpen(*impl_);
    const int64_t now = rtc::TimeMillis();  // the clock RtpSource timestamps are on
    for (const auto& source : TransceiverAt(*impl_, index)->receiver()->GetSources()) {
      out.emplace_back(now - source.timestamp_ms(), source.source_id(),
                       source.source_type() == webrtc::RtpSourceType::CSRC);
    }
  });
  return out;
}

}  // namespace pywebrtc
