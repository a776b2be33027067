// The _native extension: binds our thin C++ classes. No libwebrtc header is included here.
#include <Python.h>

#include <atomic>

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/vector.h>

#include "certificate.h"
#include "data_channel.h"
#include "engine.h"
#include "event_queue.h"
#include "local_track.h"
#include "peer_connection.h"
#include "remote_track.h"
#include "video_frame.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace pywebrtc {
namespace {

// A message larger than the remote side accepts.
struct MessageTooLarge {
  size_t size;
  size_t limit;
};

// Set by the Python package: builds the exception for a libwebrtc RTCErrorType
// (-1: message too large).
// A strong reference that is never released: it must outlive interpreter finalization. Set
// once, so threads raising errors (free-threaded Python) never see it change.
std::atomic<PyObject*> g_error_factory{nullptr};

void RaiseFromFactory(int type, const std::string& message) {
  PyObject* factory = g_error_factory.load();
  if (!factory) {
    PyErr_SetString(PyExc_RuntimeError, message.c_str());
    return;
  }
  try {
    nb::object error = nb::borrow(factory)(type, message);
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  } catch (nb::python_error& e) {
    e.restore();
  }
}

nb::object DecodeText(const std::string& text) {
  return nb::steal(PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()),
                                        "replace"));
}

nb::list ToPython(std::vector<Event>&& events) {
  nb::list out;
  for (Event& event : events) {
    nb::object payload;
    if (event.kind == EventKind::kChannelMessage && event.a) {
      payload = nb::bytes(event.text.data(), event.text.size());
    } else {
      payload = DecodeText(event.text);
    }
    nb::object payload2 = event.text2.empty() ? nb::none() : DecodeText(event.text2);
    out.append(nb::make_tuple(event.target, static_cast<int>(event.kind), event.a, event.b,
                              payload, payload2));
  }
  return out;
}

using IceServerTuple = std::tuple<std::vector<std::string>, std::string, std::string>;

void BindEngine(nb::module_& m) {
  m.def("allow_loopback", &SetAllowLoopback, "allow"_a = true,
        "Gather host candidates on loopback interfaces (for peer connections created later).");
  m.def("loopback_allowed", &AllowLoopback);
  m.def("set_log_level", &SetLogLevel, "level"_a,
        "libwebrtc's own logging to stderr: none, error, warning, info or verbose.");
  m.def("engine_started", &EngineStarted);
  m.def("live_peer_connections", &LivePeerConnections,
        "Native peer connections not yet destroyed (for leak tests).");
  m.def("live_data_channels", &LiveDataChannels,
        "Native data channels not yet destroyed (for leak tests).");
  m.def("live_remote_tracks", &LiveRemoteTracks,
        "Native remote tracks not yet destroyed (for leak tests).");
  m.def("live_event_queues", &LiveEventQueues,
        "Native event queues (each with an eventfd) not yet destroyed (for leak tests).");
  m.def("live_local_tracks", &LiveLocalTracks,
        "Native sources of sent tracks not yet destroyed (for leak tests).");
  m.def("shutdown", &Shutdown, nb::call_guard<nb::gil_scoped_release>(),
        "Close every peer connection and stop the engine's threads (done at exit).");
  m.def("_set_error_factory", [](nb::object factory) {
    PyObject* expected = nullptr;
    if (!g_error_factory.compare_exchange_strong(expected, factory.ptr())) {
      throw std::runtime_error("the error factory is already set");
    }
    (void)factory.release();
  });

  auto kind = [&](const char* name, EventKind value) {
    m.attr(name) = static_cast<int>(value);
  };
  kind("EVENT_SIGNALING_STATE", EventKind::kSignalingState);
  kind("EVENT_ICE_GATHERING_STATE", EventKind::kIceGatheringState);
  kind("EVENT_ICE_CONNECTION_STATE", EventKind::kIceConnectionState);
  kind("EVENT_CONNECTION_STATE", EventKind::kConnectionState);
  kind("EVENT_ICE_CANDIDATE", EventKind::kIceCandidate);
  kind("EVENT_ICE_CANDIDATE_ERROR", EventKind::kIceCandidateError);
  kind("EVENT_NEGOTIATION_NEEDED", EventKind::kNegotiationNeeded);
  kind("EVENT_DATA_CHANNEL", EventKind::kDataChannel);
  kind("EVENT_REQUEST_DONE", EventKind::kRequestDone);
  kind("EVENT_DTLS_STATE", EventKind::kDtlsState);
  kind("EVENT_TRACK", EventKind::kTrack);
  kind("EVENT_TRACK_DATA", EventKind::kTrackData);
  kind("EVENT_TRACK_ENDED", EventKind::kTrackEnded);
  kind("EVENT_CHANNEL_STATE", EventKind::kChannelState);
  kind("EVENT_CHANNEL_MESSAGE", EventKind::kChannelMessage);
  kind("EVENT_CHANNEL_BUFFERED_AMOUNT_LOW", EventKind::kChannelBufferedAmountLow);
  kind("EVENT_CHANNEL_ERROR", EventKind::kChannelError);
}

void BindDataChannel(nb::module_& m) {
  nb::class_<DataChannel>(m, "DataChannel", "Native half of an RTCDataChannel.")
      .def_prop_ro("handle", &DataChannel::handle)
      .def("info",
           [](const DataChannel& self) {
             DataChannelInfo info = self.info();
             return nb::make_tuple(info.label, info.ordered, info.max_retransmits,
                                   info.max_packet_life_time, info.protocol, info.negotiated,
                                   info.id, info.state);
           },
           "(label, ordered, maxRetransmits, maxPacketLifeTime, protocol, negotiated, id, "
           "state) as created.")
      .def(
          "send",
          [](DataChannel& self, nb::handle data, size_t max_message_size) {
            const char* bytes;
            Py_ssize_t size;
            bool binary;
            if (PyBytes_CheckExact(data.ptr())) {
              bytes = PyBytes_AS_STRING(data.ptr());
              size = PyBytes_GET_SIZE(data.ptr());
              binary = true;
            } else if (PyUnicode_CheckExact(data.ptr())) {
              bytes = PyUnicode_AsUTF8AndSize(data.ptr(), &size);
              if (!bytes) throw nb::python_error();
              binary = false;
            } else {
              throw nb::type_error("data must be str or bytes");
            }
            if (static_cast<size_t>(size) > max_message_size) {
              throw MessageTooLarge{static_cast<size_t>(size), max_message_size};
            }
            self.Send(bytes, static_cast<size_t>(size), binary);
            return size;
          },
          "data"_a, "max_message_size"_a,
          "Queue a str (UTF-8) or bytes message; returns its size in bytes.")
      .def_prop_ro("buffered_amount", &DataChannel::buffered_amount)
      .def_prop_ro("direct_path", &DataChannel::direct_path,
                   "Whether sends go straight to the SCTP transport (network thread).")
      .def_prop_ro("direct_messages_sent", &DataChannel::direct_messages_sent)
      .def_prop_ro("direct_bytes_sent", &DataChannel::direct_bytes_sent)
      .def_prop_rw("buffered_amount_low_threshold", &DataChannel::buffered_amount_low_threshold,
                   &DataChannel::set_buffered_amount_low_threshold)
      .def("close", &DataChannel::Close, nb::call_guard<nb::gil_scoped_release>());
}

// A new uint8 numpy array of `shape` whose memory `fill` writes with the GIL released.
template <typename Fill>
nb::ndarray<nb::numpy, uint8_t> NewArray(std::initializer_list<size_t> shape, size_t size,
                                         Fill&& fill) {
  auto* data = new uint8_t[size];
  nb::capsule owner(data, [](void* p) noexcept { delete[] static_cast<uint8_t*>(p); });
  {
    nb::gil_scoped_release release;
    fill(data);
  }
  return nb::ndarray<nb::numpy, uint8_t>(data, shape, owner);
}

PixelFormat ParseFormat(const std::string& name) {
  auto format = PixelFormatFromName(name);
  if (!format) {
    throw nb::value_error(("unsupported format '" + name +
                           "' (use rgb24, bgr24, rgba, bgra, gray or yuv420p, or to_av())")
                              .c_str());
  }
  return *format;
}

void BindFrames(nb::module_& m) {
  nb::class_<VideoFrame>(m, "VideoFrame",
                         "A decoded picture, held by reference to the decoder's buffer.")
      .def_static(
          "from_yuv420p",
          [](nb::bytes data, int width, int height, int rotation, int64_t pts) {
            return VideoFrame::FromYuv420p(reinterpret_cast<const uint8_t*>(data.c_str()),
                                           data.size(), width, height, rotation, pts);
          },
          "data"_a, "width"_a, "height"_a, "rotation"_a = 0, "pts"_a = 0,
          "A frame from packed yuv420p planes; `rotation` as a sender would ask for it.")
      .def_prop_ro("width", &VideoFrame::width)
      .def_prop_ro("height", &VideoFrame::height)
      .def_prop_ro("pts", &VideoFrame::pts, "RTP time (90 kHz) since the track's first frame.")
      .def_prop_ro("rotation", &VideoFrame::rotation,
                   "Degrees the sender asked to rotate by (conversions apply it).")
      .def(
          "to_ndarray",
          [](const VideoFrame& self, const std::string& format_name) {
            PixelFormat format = ParseFormat(format_name);
            const size_t w = self.width(), h = self.height();
            auto fill = [&](uint8_t* out) { self.ConvertTo(format, out); };
            const size_t size = self.ConvertedSize(format);
            switch (format) {
              case PixelFormat::kGray: return NewArray({h, w}, size, fill);
              case PixelFormat::kYuv420p:
                if (w % 2 || h % 2) {
                  throw nb::value_error("yuv420p arrays need an even width and height");
                }
                return NewArray({h * 3 / 2, w}, size, fill);
              default:
                return NewArray({h, w, static_cast<size_t>(BytesPerPixel(format))}, size, fill);
            }
          },
          "format"_a = "yuv420p", "The picture as a new uint8 array, laid out as PyAV does.")
      .def(
          "to_bytes",
          [](const VideoFrame& self, const std::string& format_name) {
            PixelFormat format = ParseFormat(format_name);
            const size_t size = self.ConvertedSize(format);
            PyObject* bytes = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(size));
            if (!bytes) throw nb::python_error();
            auto* out = reinterpret_cast<uint8_t*>(PyBytes_AS_STRING(bytes));
            {
              nb::gil_scoped_release release;
              self.ConvertTo(format, out);
            }
            return nb::steal<nb::bytes>(bytes);
          },
          "format"_a, "The picture in `format`, rows packed, as bytes.")
      .def(
          "to_scratch",
          [](const VideoFrame& self, const std::string& format_name) {
            // A buffer per thread, reused: a fresh multi-megabyte allocation per frame costs
            // more in page faults than the conversion itself. Only for callers that copy the
            // result at once (to_image hands it to Pillow, which does).
            thread_local std::vector<uint8_t> scratch;
            PixelFormat format = ParseFormat(format_name);
            scratch.resize(self.ConvertedSize(format));
            {
              nb::gil_scoped_release release;
              self.ConvertTo(format, scratch.data());
            }
            PyObject* view = PyMemoryView_FromMemory(reinterpret_cast<char*>(scratch.data()),
                                                     static_cast<Py_ssize_t>(scratch.size()),
                                                     PyBUF_READ);
            if (!view) throw nb::python_error();
            return nb::steal(view);
          },
          "format"_a,
          "The picture in `format` in this thread's scratch buffer, as a read-only "
          "memoryview that the next call on this thread overwrites.");

  nb::class_<AudioFrame>(m, "AudioFrame", "20 ms of received audio, s16 interleaved.")
      .def_ro("sample_rate", &AudioFrame::sample_rate)
      .def_ro("channels", &AudioFrame::channels)
      .def_ro("pts", &AudioFrame::pts, "Samples since the track's first frame.")
      .def_prop_ro("samples", &AudioFrame::samples, "Samples per channel.")
      .def(
          "to_ndarray",
          [](const AudioFrame& self) {
            const size_t count = self.data.size();
            auto* data = new int16_t[count];
            std::copy(self.data.begin(), self.data.end(), data);
            nb::capsule owner(data, [](void* p) noexcept { delete[] static_cast<int16_t*>(p); });
            return nb::ndarray<nb::numpy, int16_t>(data, {1, count}, owner);
          },
          "A new int16 array of shape (1, samples * channels), PyAV's packed layout.");

  nb::class_<RemoteTrack>(m, "RemoteTrack", "Native half of a received track.")
      .def_prop_ro("handle", &RemoteTrack::handle)
      .def_prop_ro("kind", &RemoteTrack::kind)
      .def_prop_ro("id", &RemoteTrack::id)
      .def_prop_ro("stream_ids", &RemoteTrack::stream_ids)
      .def(
          "take",
          [](RemoteTrack& self) -> nb::object {
            if (self.kind() == "video") {
              if (auto frame = self.TakeVideo()) return nb::cast(std::move(frame));
            } else if (auto frame = self.TakeAudio()) {
              return nb::cast(std::move(frame));
            }
            return nb::none();
          },
          "The oldest waiting frame (VideoFrame or AudioFrame), or None.")
      .def("arm", &RemoteTrack::Arm,
           "Ask for one EVENT_TRACK_DATA when the next frame comes; False (asking nothing) if "
           "a frame already waits or the track ended.")
      .def_prop_ro("ended", &RemoteTrack::ended)
      .def_prop_ro("frames_received", &RemoteTrack::frames_received)
      .def_prop_ro("frames_dropped", &RemoteTrack::frames_dropped)
      .def_prop_ro("queued", &RemoteTrack::queued)
      .def_prop_rw("max_queue", &RemoteTrack::max_queue, &RemoteTrack::set_max_queue)
      .def("set_upmix_mono", &RemoteTrack::set_upmix_mono, "upmix"_a);
}

// A read-only view of any object with the buffer protocol (bytes, numpy arrays, PyAV
// planes), held while the GIL is released.
class BufferView {
 public:
  explicit BufferView(nb::handle object) {
    if (PyObject_GetBuffer(object.ptr(), &view_, PyBUF_SIMPLE) != 0) throw nb::python_error();
  }
  ~BufferView() { PyBuffer_Release(&view_); }
  BufferView(const BufferView&) = delete;
  BufferView& operator=(const BufferView&) = delete;
  const uint8_t* data() const { return static_cast<const uint8_t*>(view_.buf); }
  size_t size() const { return static_cast<size_t>(view_.len); }

 private:
  Py_buffer view_{};
};

VideoSource::Format ParseSourceFormat(const std::string& name) {
  if (name == "yuv420p") return VideoSource::Format::kI420;
  if (name == "nv12") return VideoSource::Format::kNV12;
  if (name == "rgb24") return VideoSource::Format::kRgb24;
  if (name == "bgr24") return VideoSource::Format::kBgr24;
  if (name == "rgba") return VideoSource::Format::kRgba;
  if (name == "bgra") return VideoSource::Format::kBgra;
  throw nb::value_error(("unsupported source format '" + name + "'").c_str());
}

nb::tuple CodecTuple(const CodecCapability& codec) {
  nb::dict parameters;
  for (const auto& [key, value] : codec.parameters) parameters[key.c_str()] = value;
  return nb::make_tuple(codec.mime_type, codec.clock_rate, codec.channels, parameters);
}

void BindLocalTracks(nb::module_& m) {
  nb::class_<LocalTrack>(m, "LocalTrack", "Native source of a track we send.")
      .def_prop_ro("kind", &LocalTrack::kind)
      .def_prop_ro("id", &LocalTrack::id);
  nb::class_<AudioSource, LocalTrack>(
      m, "AudioSource", "Audio we send: a buffer drained by a native 10 ms clock.")
      .def(nb::init<const std::string&>(), "id"_a, nb::call_guard<nb::gil_scoped_release>())
      .def(
          "push",
          [](AudioSource& self, nb::handle data, int sample_rate, int channels) {
            BufferView view(data);
            if (channels < 1) throw nb::value_error("channels must be 1 or 2");
            const size_t frame_bytes = sizeof(int16_t) * static_cast<size_t>(channels);
            if (view.size() % frame_bytes) {
              throw nb::value_error("audio data must hold whole frames of s16 samples");
            }
            nb::gil_scoped_release release;
            self.Push(reinterpret_cast<const int16_t*>(view.data()), view.size() / frame_bytes,
                      sample_rate, channels);
          },
          "data"_a, "sample_rate"_a, "channels"_a,
          "Queue s16 interleaved samples (any buffer). Never waits.")
      .def_prop_ro("buffered_ms", &AudioSource::buffered_ms)
      .def_prop_ro("samples_sent", &AudioSource::samples_sent)
      .def_prop_ro("silent_chunks", &AudioSource::silent_chunks)
      .def_prop_ro("samples_dropped", &AudioSource::samples_dropped)
      .def("clear", &AudioSource::Clear);
  nb::class_<VideoSource, LocalTrack>(
      m, "VideoSource", "Video we send: pictures converted to I420 and encoded natively.")
      .def(nb::init<const std::string&>(), "id"_a, nb::call_guard<nb::gil_scoped_release>())
      .def(
          "push",
          [](VideoSource& self, const std::string& format_name, int width, int height,
             nb::sequence planes, const std::vector<int>& strides, int rotation,
             int64_t capture_time_us) {
            const VideoSource::Format format = ParseSourceFormat(format_name);
            std::vector<std::unique_ptr<BufferView>> views;
            for (nb::handle plane : planes) views.push_back(std::make_unique<BufferView>(plane));
            if (views.size() != strides.size() || views.size() > 3) {
              throw nb::value_error("one stride per plane, at most 3 planes");
            }
            VideoSource::Plane native_planes[3];
            for (size_t i = 0; i < views.size(); ++i) {
              native_planes[i] = {views[i]->data(), views[i]->size(), strides[i]};
            }
            nb::gil_scoped_release release;
            return self.Push(format, width, height, native_planes, views.size(), rotation,
                             capture_time_us);
          },
          "format"_a, "width"_a, "height"_a, "planes"_a, "strides"_a, "rotation"_a = 0,
          "capture_time_us"_a = -1,
          "Convert and send one picture; False when the encoder's adapter drops it. "
          "capture_time_us: when it is due, on time.monotonic()'s clock (default: now).")
      .def("push_frame", &VideoSource::PushFrame, "frame"_a, "capture_time_us"_a = -1,
           nb::call_guard<nb::gil_scoped_release>(), "Send a received frame on, by reference.")
      .def_prop_ro("frames_sent", &VideoSource::frames_sent)
      .def_prop_ro("frames_dropped", &VideoSource::frames_dropped);

  m.def(
      "get_capabilities",
      [](const std::string& kind, bool sender) {
        Capabilities capabilities;
        {
          nb::gil_scoped_release release;
          capabilities = GetCapabilities(kind, sender);
        }
        nb::list codecs;
        for (const auto& codec : capabilities.codecs) codecs.append(CodecTuple(codec));
        return nb::make_tuple(codecs, capabilities.header_extensions);
      },
      "kind"_a, "sender"_a,
      "([(mimeType, clockRate, channels, parameters)], [header extension URI]).");
}

// A LocalTrack or RemoteTrack (the objects stay referenced by the caller's arguments).
PeerConnection::SendTrack ToSendTrack(nb::handle track) {
  PeerConnection::SendTrack out;
  if (nb::isinstance<LocalTrack>(track)) {
    out.local = nb::cast<const LocalTrack*>(track);
  } else if (nb::isinstance<RemoteTrack>(track)) {
    out.remote = nb::cast<const RemoteTrack*>(track);
  } else {
    throw nb::type_error("expected a LocalTrack or a RemoteTrack");
  }
  return out;
}

using CodecTupleIn =
    std::tuple<std::string, int, std::optional<int>, std::vector<std::pair<std::string, std::string>>>;
using EncodingTuple =
    std::tuple<bool, std::optional<int>, std::optional<double>, std::optional<double>>;

void BindPeerConnection(nb::module_& m) {
  nb::class_<PeerConnection>(m, "PeerConnection", "Native half of an RTCPeerConnection.")
      .def(
          "__init__",
          [](PeerConnection* self, const std::vector<IceServerTuple>& ice_servers,
             const std::string& ice_transport_policy, const std::string& bundle_policy) {
            Configuration configuration;
            for (const auto& [urls, username, credential] : ice_servers) {
              configuration.ice_servers.push_back({urls, username, credential});
            }
            configuration.ice_transport_policy = ice_transport_policy;
            configuration.bundle_policy = bundle_policy;
            nb::gil_scoped_release release;
            new (self) PeerConnection(configuration);
          },
          "ice_servers"_a, "ice_transport_policy"_a = "all", "bundle_policy"_a = "balanced")
      .def_prop_ro("fd", &PeerConnection::event_fd, "eventfd, readable while events wait.")
      .def("drain", [](PeerConnection& self) { return ToPython(self.DrainEvents()); },
           "Take the waiting events: [(target, kind, a, b, payload, payload2)].")
      .def("create_offer", &PeerConnection::CreateOffer, "request"_a, "ice_restart"_a = false,
           nb::call_guard<nb::gil_scoped_release>())
      .def("create_answer", &PeerConnection::CreateAnswer, "request"_a,
           nb::call_guard<nb::gil_scoped_release>())
      .def("set_local_description", &PeerConnection::SetLocalDescription, "request"_a,
           "type"_a, "sdp"_a, nb::call_guard<nb::gil_scoped_release>())
      .def("set_remote_description", &PeerConnection::SetRemoteDescription, "request"_a,
           "type"_a, "sdp"_a, nb::call_guard<nb::gil_scoped_release>())
      .def("add_ice_candidate", &PeerConnection::AddIceCandidate, "request"_a, "candidate"_a,
           "mid"_a, "mline_index"_a, nb::call_guard<nb::gil_scoped_release>())
      .def("get_stats", &PeerConnection::GetStats, "request"_a,
           nb::call_guard<nb::gil_scoped_release>())
      .def("restart_ice", &PeerConnection::RestartIce, nb::call_guard<nb::gil_scoped_release>())
      .def(
          "create_data_channel",
          [](PeerConnection& self, const std::string& label, bool ordered,
             std::optional<int> max_retransmits, std::optional<int> max_packet_life_time,
             const std::string& protocol, bool negotiated, std::optional<int> id) {
            DataChannelInit init{ordered, max_retransmits, max_packet_life_time, protocol,
                                 negotiated, id};
            nb::gil_scoped_release release;
            return self.CreateDataChannel(label, init);
          },
          "label"_a, "ordered"_a, "max_retransmits"_a.none(), "max_packet_life_time"_a.none(),
          "protocol"_a, "negotiated"_a, "id"_a.none())
      .def(
          "transceivers",
          [](const PeerConnection& self) {
            std::vector<TransceiverInfo> infos;
            {
              nb::gil_scoped_release release;
              infos = self.transceivers();
            }
            nb::list out;
            for (const auto& info : infos) {
              out.append(nb::make_tuple(info.mid, info.kind, info.direction,
                                        info.current_direction, info.stopped));
            }
            return out;
          },
          "[(mid, kind, direction, currentDirection, stopped)] in creation order.")
      .def("set_transceiver_direction", &PeerConnection::SetTransceiverDirection, "index"_a,
           "direction"_a, nb::call_guard<nb::gil_scoped_release>())
      .def("stop_transceiver", &PeerConnection::StopTransceiver, "index"_a,
           nb::call_guard<nb::gil_scoped_release>())
      .def("take_data_channel", &PeerConnection::TakeDataChannel, "handle"_a)
      .def("add_transceiver", &PeerConnection::AddTransceiver, "kind"_a, "direction"_a,
           nb::call_guard<nb::gil_scoped_release>(), "Returns the new transceiver's index.")
      .def("receiver_track", &PeerConnection::ReceiverTrack, "index"_a,
           nb::call_guard<nb::gil_scoped_release>(),
           "The index-th transceiver's remote track, or None once closed.")
      .def(
          "local_description",
          [](const PeerConnection& self, const std::string& which) {
            std::optional<SessionDescription> desc;
            {
              nb::gil_scoped_release release;
              desc = self.local_description(which);
            }
            if (!desc) return nb::object(nb::none());
            return nb::object(nb::make_tuple(desc->type, desc->sdp));
          },
          "which"_a = "",
          "(type, sdp) or None; which: '' (pending, else current), 'current' or 'pending'.")
      .def(
          "add_track",
          [](PeerConnection& self, nb::handle track, const std::vector<std::string>& ids) {
            auto send = ToSendTrack(track);
            nb::gil_scoped_release release;
            return self.AddTrack(send, ids);
          },
          "track"_a, "stream_ids"_a,
          "Send a LocalTrack (or forward a RemoteTrack); returns the transceiver's index.")
      .def(
          "add_transceiver_with_track",
          [](PeerConnection& self, nb::handle track, const std::string& direction,
             const std::vector<std::string>& ids) {
            auto send = ToSendTrack(track);
            nb::gil_scoped_release release;
            return self.AddTransceiverWithTrack(send, direction, ids);
          },
          "track"_a, "direction"_a, "stream_ids"_a)
      .def(
          "set_sender_track",
          [](PeerConnection& self, size_t index, nb::handle track) {
            auto send = track.is_none() ? PeerConnection::SendTrack{} : ToSendTrack(track);
            nb::gil_scoped_release release;
            self.SetSenderTrack(index, send);
          },
          "index"_a, "track"_a.none(), "A LocalTrack, a RemoteTrack, or None.")
      .def("set_sender_streams", &PeerConnection::SetSenderStreams, "index"_a, "stream_ids"_a,
           nb::call_guard<nb::gil_scoped_release>())
      .def("remove_track", &PeerConnection::RemoveTrack, "index"_a,
           nb::call_guard<nb::gil_scoped_release>())
      .def(
          "set_codec_preferences",
          [](PeerConnection& self, size_t index, const std::vector<CodecTupleIn>& codecs) {
            std::vector<CodecCapability> converted;
            for (const auto& [mime, rate, channels, parameters] : codecs) {
              converted.push_back({mime, rate, channels, parameters});
            }
            nb::gil_scoped_release release;
            self.SetCodecPreferences(index, converted);
          },
          "index"_a, "codecs"_a)
      .def(
          "get_sender_parameters",
          [](PeerConnection& self, size_t index) {
            SenderParameters parameters;
            {
              nb::gil_scoped_release release;
              parameters = self.GetSenderParameters(index);
            }
            nb::list encodings;
            for (const auto& e : parameters.encodings) {
              encodings.append(nb::make_tuple(e.active, e.max_bitrate, e.max_framerate,
                                              e.scale_resolution_down_by));
            }
            return nb::make_tuple(parameters.degradation_preference, encodings);
          },
          "index"_a, "(degradationPreference, [(active, maxBitrate, maxFramerate, "
          "scaleResolutionDownBy)]).")
      .def(
          "set_sender_parameters",
          [](PeerConnection& self, size_t index, const std::string& degradation,
             const std::vector<EncodingTuple>& encodings) {
            SenderParameters parameters;
            parameters.degradation_preference = degradation;
            for (const auto& [active, bitrate, framerate, scale] : encodings) {
              parameters.encodings.push_back({active, bitrate, framerate, scale});
            }
            nb::gil_scoped_release release;
            self.SetSenderParameters(index, parameters);
          },
          "index"_a, "degradation_preference"_a, "encodings"_a)
      .def("set_start_bitrate", &PeerConnection::SetStartBitrate, "bits_per_second"_a,
           nb::call_guard<nb::gil_scoped_release>())
      .def("get_sender_stats", &PeerConnection::GetSenderStats, "request"_a, "index"_a,
           nb::call_guard<nb::gil_scoped_release>())
      .def("get_receiver_stats", &PeerConnection::GetReceiverStats, "request"_a, "index"_a,
           nb::call_guard<nb::gil_scoped_release>())
      .def("get_receiver_sources", &PeerConnection::GetReceiverSources, "index"_a,
           nb::call_guard<nb::gil_scoped_release>(),
           "[(milliseconds since last heard, source, is_contributing)] of the last 10 s.")
      .def("close", &PeerConnection::Close, nb::call_guard<nb::gil_scoped_release>());
}

void BindCertificate(nb::module_& m) {
  nb::class_<Certificate>(m, "Certificate", "An ECDSA P-256 DTLS certificate.")
      .def_static("generate", &Certificate::Generate, "expires_ms"_a = nb::none(),
                  nb::call_guard<nb::gil_scoped_release>(),
                  "A new key and self-signed certificate, valid for expires_ms.")
      .def_prop_ro("expires", &Certificate::Expires,
                   "Milliseconds since the Unix epoch when it stops being valid.")
      .def("fingerprint", &Certificate::Fingerprint, "algorithm"_a,
           "The digest in RFC 4572 form (upper-case hex pairs joined by colons).")
      .def("to_pem", &Certificate::ToPem, "(private key, certificate), both PEM.");
}

}  // namespace
}  // namespace pywebrtc

NB_MODULE(_native, m) {
  using namespace pywebrtc;
  m.doc() = "Thin bindings over libwebrtc (Debian's tg_owt build).";
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const RtcError& e) {
      RaiseFromFactory(e.type, e.message);
    } catch (const MessageTooLarge& e) {
      RaiseFromFactory(-1, "Cannot send message of " + std::to_string(e.size) +
                               " bytes, the remote party only supports messages up to " +
                               std::to_string(e.limit) + " bytes");
    }
  });
  BindEngine(m);
  BindDataChannel(m);
  BindFrames(m);
  BindLocalTracks(m);
  BindPeerConnection(m);
  BindCertificate(m);
}
