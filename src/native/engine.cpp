#include "engine_internal.h"

#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>

#include "api/audio_codecs/audio_decoder_factory_template.h"
#include "api/audio_codecs/audio_encoder_factory_template.h"
#include "api/audio_codecs/g711/audio_decoder_g711.h"
#include "api/audio_codecs/g711/audio_encoder_g711.h"
#include "api/audio_codecs/g722/audio_decoder_g722.h"
#include "api/audio_codecs/g722/audio_encoder_g722.h"
#include "api/audio_codecs/opus/audio_decoder_opus.h"
#include "api/audio_codecs/opus/audio_encoder_opus.h"
#include "api/call/call_factory_interface.h"
#include "api/create_peerconnection_factory.h"
#include "api/rtc_event_log/rtc_event_log_factory.h"
#include "api/task_queue/default_task_queue_factory.h"
#include "api/transport/field_trial_based_config.h"
#include "media/engine/webrtc_media_engine.h"
#include "modules/audio_device/include/test_audio_device.h"
#include "modules/audio_processing/include/audio_processing.h"
#include "sctp_tracking.h"
#include "video_decoder_factory.h"
#include "video_encoder_factory.h"
#include "api/video_codecs/builtin_video_decoder_factory.h"
#include "api/video_codecs/builtin_video_encoder_factory.h"
#include "p2p/base/basic_packet_socket_factory.h"
#include "pc/srtp_session.h"
#include "rtc_base/ssl_stream_adapter.h"
#include "rtc_base/logging.h"
#include "rtc_base/network_constants.h"

namespace pywebrtc {
namespace {

std::mutex g_mutex;
// Held shared by every EngineUse, exclusively by Shutdown(); taken before g_mutex.
std::shared_mutex g_use_mutex;
std::atomic<bool> g_allow_loopback{false};
bool g_shut_down = false;                             // guarded by g_mutex
std::unique_ptr<Engine> g_engine;                     // guarded by g_mutex
rtc::scoped_refptr<webrtc::PeerConnectionFactoryInterface> g_factory;  // guarded by g_mutex
std::unique_ptr<rtc::Thread> g_threads[3];            // guarded by g_mutex
std::unique_ptr<webrtc::TaskQueueFactory> g_task_queue_factory;  // guarded by g_mutex
std::unique_ptr<webrtc::TaskQueueBase, webrtc::TaskQueueDeleter> g_audio_send_queue;  // guarded by g_mutex
std::unique_ptr<rtc::BasicNetworkManager> g_network_manager;        // network thread object
std::unique_ptr<rtc::BasicPacketSocketFactory> g_socket_factory;    // network thread object
// libwebrtc initializes libsrtp (about 15 ms of self-tests) whenever its SRTP session count
// rises from zero, which is every connection when they come and go one at a time. This
// session keeps the count above zero for the engine's life.
std::unique_ptr<cricket::SrtpSession> g_srtp_keepalive;  // network thread object

std::mutex g_closables_mutex;
std::set<Closable*> g_closables;  // guarded by g_closables_mutex

// The audio device: no sound card. Its clock pulls 10 ms of received audio every 10 ms, which
// is what makes remote audio tracks deliver to their sinks; the mix it produces is discarded.
// It records nothing: sent audio comes from our own sources, not from a microphone.
class NoMicrophone : public webrtc::TestAudioDeviceModule::Capturer {
 public:
  int SamplingFrequency() const override { return 48000; }
  int NumChannels() const override { return 1; }
  bool Capture(rtc::BufferT<int16_t>* buffer) override {
    buffer->SetSize(0);
    return true;
  }
};

webrtc::PeerConnectionFactoryInterface::Options FactoryOptions() {
  webrtc::PeerConnectionFactoryInterface::Options options;
  if (g_allow_loopback.load()) options.network_ignore_mask = 0;
  return options;
}

std::unique_ptr<Engine> StartEngine() {
  auto network = rtc::Thread::CreateWithSocketServer();
  auto worker = rtc::Thread::Create();
  auto signaling = rtc::Thread::Create();
  network->SetName("webrtc-network", nullptr);
  worker->SetName("webrtc-worker", nullptr);
  signaling->SetName("webrtc-signaling", nullptr);
  if (!network->Start() || !worker->Start() || !signaling->Start()) {
    throw std::runtime_error("could not start the WebRTC engine threads");
  }
  // What webrtc::CreatePeerConnectionFactory() assembles, plus our SCTP transport factory.
  webrtc::PeerConnectionFactoryDependencies deps;
  deps.network_thread = network.get();
  deps.worker_thread = worker.get();
  deps.signaling_thread = signaling.get();
  deps.trials = std::make_unique<webrtc::FieldTrialBasedConfig>();
  deps.task_queue_factory = webrtc::CreateDefaultTaskQueueFactory(deps.trials.get());
  deps.call_factory = webrtc::CreateCallFactory();
  deps.event_log_factory =
      std::make_unique<webrtc::RtcEventLogFactory>(deps.task_queue_factory.get());
  deps.socket_factory = network->socketserver();
  deps.sctp_factory = CreateSctpTransportFactory(network.get());
  cricket::MediaEngineDependencies media;
  media.task_queue_factory = deps.task_queue_factory.get();
  // Created (and, by the voice engine, released) on the worker thread, which owns it.
  worker->BlockingCall([&] {
    media.adm = webrtc::TestAudioDeviceModule::Create(
        deps.task_queue_factory.get(), std::make_unique<NoMicrophone>(),
        webrtc::TestAudioDeviceModule::CreateDiscardRenderer(48000, 2));
  });
  // Debian's build leaves Opus out of the builtin audio factories; these list aiortc's
  // codecs, Opus first.
  media.audio_encoder_factory =
      webrtc::CreateAudioEncoderFactory<webrtc::AudioEncoderOpus, webrtc::AudioEncoderG722,
                                        webrtc::AudioEncoderG711>();
  media.audio_decoder_factory =
      webrtc::CreateAudioDecoderFactory<webrtc::AudioDecoderOpus, webrtc::AudioDecoderG722,
                                        webrtc::AudioDecoderG711>();
  media.video_encoder_factory = CreateVideoEncoderFactory();
  media.video_decoder_factory = CreateVideoDecoderFactory();
  media.audio_processing = webrtc::AudioProcessingBuilder().Create();
  media.trials = deps.trials.get();
  deps.media_engine = cricket::CreateMediaEngine(std::move(media));
  g_factory = webrtc::CreateModularPeerConnectionFactory(std::move(deps));
  if (!g_factory) throw std::runtime_error("could not create the PeerConnectionFactory");
  g_factory->SetOptions(FactoryOptions());
  network->BlockingCall([&] {
    g_network_manager = std::make_unique<rtc::BasicNetworkManager>(network->socketserver());
    g_socket_factory = std::make_unique<rtc::BasicPacketSocketFactory>(network->socketserver());
    g_srtp_keepalive = std::make_unique<cricket::SrtpSession>();
    uint8_t key[30] = {};  // SRTP_AES128_CM_SHA1_80: 16-byte key + 14-byte salt
    g_srtp_keepalive->SetSend(rtc::kSrtpAes128CmSha1_80, key, sizeof key, {});
  });
  g_task_queue_factory = webrtc::CreateDefaultTaskQueueFactory();
  g_audio_send_queue = g_task_queue_factory->CreateTaskQueue(
      "webrtc-audio-send", webrtc::TaskQueueFactory::Priority::HIGH);
  auto engine = std::make_unique<Engine>(Engine{network.get(), worker.get(), signaling.get(),
                                                g_factory.get(), g_network_manager.get(),
                                                g_socket_factory.get(),
                                                g_audio_send_queue.get()});
  g_threads[0] = std::move(network);
  g_threads[1] = std::move(worker);
  g_threads[2] = std::move(signaling);
  return engine;
}

}  // namespace

void SetAllowLoopback(bool allow) {
  g_allow_loopback.store(allow);
  std::lock_guard lock(g_mutex);
  if (g_engine) g_factory->SetOptions(FactoryOptions());
}

bool AllowLoopback() { return g_allow_loopback.load(); }

void SetLogLevel(const std::string& level) {
  rtc::LoggingSeverity severity;
  if (level == "none") severity = rtc::LS_NONE;
  else if (level == "error") severity = rtc::LS_ERROR;
  else if (level == "warning") severity = rtc::LS_WARNING;
  else if (level == "info") severity = rtc::LS_INFO;
  else if (level == "verbose") severity = rtc::LS_VERBOSE;
  else throw std::invalid_argument("log level must be none, error, warning, info or verbose");
  rtc::LogMessage::LogToDebug(severity);
  rtc::LogMessage::LogThreads(severity <= rtc::LS_INFO);
  rtc::LogMessage::LogTimestamps(severity <= rtc::LS_INFO);
}

bool EngineStarted() {
  std::lock_guard lock(g_mutex);
  return g_engine != nullptr;
}

EngineUse UseEngine() {
  std::shared_lock use(g_use_mutex);
  std::lock_guard lock(g_mutex);
  if (g_shut_down) throw std::runtime_error("the WebRTC engine has been shut down");
  if (!g_engine) g_engine = StartEngine();
  return EngineUse(std::move(use), g_engine.get());
}

size_t LivePeerConnections() {
  std::lock_guard lock(g_closables_mutex);
  return g_closables.size();
}

void RegisterClosable(Closable* object) {
  std::lock_guard lock(g_closables_mutex);
  g_closables.insert(object);
}

void UnregisterClosable(Closable* object) {
  std::lock_guard lock(g_closables_mutex);
  g_closables.erase(object);
}

void RunOnSignaling(const std::function<void()>& fn) {
  rtc::Thread* signaling;
  {
    std::lock_guard lock(g_mutex);
    // Shutdown() itself still runs tasks here until it stops the threads.
    if (!g_engine) throw std::runtime_error("the WebRTC engine is not running");
    signaling = g_engine->signaling;
  }
  // An exception must not unwind through libwebrtc's thread: carry it back to the caller.
  std::exception_ptr error;
  signaling->BlockingCall([&] {
    try {
      fn();
    } catch (...) {
      error = std::current_exception();
    }
  });
  if (error) std::rethrow_exception(error);
}

webrtc::TaskQueueBase* AudioSendQueueOrNull() {
  std::lock_guard lock(g_mutex);
  return g_engine ? g_engine->audio_send_queue : nullptr;
}

rtc::Thread* SignalingThreadOrNull() {
  std::lock_guard lock(g_mutex);
  return g_engine ? g_engine->signaling : nullptr;
}

void Shutdown() {
  {
    std::lock_guard lock(g_mutex);
    if (g_shut_down) return;
    g_shut_down = true;
    if (!g_engine) return;
  }
  // No new use can begin now; wait for those under way (a connection being created registers
  // itself before its use ends, so the loop below closes it too).
  std::unique_lock no_uses(g_use_mutex);
  // Objects unregister themselves when destroyed: hold the registry while closing them so
  // none disappears under us. Closing runs on the signaling thread, which never takes it.
  {
    std::lock_guard lock(g_closables_mutex);
    for (Closable* object : g_closables) object->CloseForShutdown();
    g_closables.clear();
  }
  std::lock_guard lock(g_mutex);
  // Stops every source's clock (its pending tasks go with it) before the factory goes.
  g_audio_send_queue = nullptr;
  // The factory proxy destroys the factory on the signaling thread (and the audio device
  // module on the worker thread) before the threads stop.
  g_factory = nullptr;
  g_threads[0]->BlockingCall([] {
    g_srtp_keepalive = nullptr;
    g_socket_factory = nullptr;
    g_network_manager = nullptr;
  });
  for (auto& thread : g_threads) thread->Stop();
  // The thread objects are left alive on purpose: late tasks posted by objects that Python
  // still holds find a stopped thread, not freed memory.
  for (auto& thread : g_threads) (void)thread.release();
  g_engine = nullptr;
}

}  // namespace pywebrtc
