// libwebrtc-facing side of the engine, for our .cpp files only.
#pragma once

#include <functional>
#include <mutex>
#include <shared_mutex>

#include "api/packet_socket_factory.h"
#include "api/task_queue/task_queue_base.h"
#include "api/peer_connection_interface.h"
#include "rtc_base/network.h"
#include "engine.h"
#include "rtc_base/thread.h"

namespace pywebrtc {

class Closable {
 public:
  // Called once, from Shutdown(), before the threads stop: release libwebrtc objects.
  virtual void CloseForShutdown() = 0;

 protected:
  ~Closable() = default;
};

struct Engine {
  rtc::Thread* network;
  rtc::Thread* worker;
  rtc::Thread* signaling;
  webrtc::PeerConnectionFactoryInterface* factory;
  // Shared by every connection's port allocator (network thread objects).
  rtc::NetworkManager* network_manager;
  rtc::PacketSocketFactory* socket_factory;
  // Runs the clocks of the audio sources we send (high priority).
  webrtc::TaskQueueBase* audio_send_queue;
};

// A use of the engine, from UseEngine() to the end of the holder's scope. Shutdown() waits
// until no use is left before it tears the engine down, so what a use reads stays alive on
// whichever thread it runs (the GIL serializes nothing on free-threaded Python).
class EngineUse {
 public:
  const Engine* operator->() const { return engine_; }
  const Engine& operator*() const { return *engine_; }

 private:
  friend EngineUse UseEngine();
  EngineUse(std::shared_lock<std::shared_mutex> lock, const Engine* engine)
      : lock_(std::move(lock)), engine_(engine) {}
  std::shared_lock<std::shared_mutex> lock_;
  const Engine* engine_;
};

// Starts the engine on first use; throws std::runtime_error after Shutdown().
EngineUse UseEngine();

// Live objects that hold libwebrtc references, so Shutdown() can release them in time.
void RegisterClosable(Closable* object);
void UnregisterClosable(Closable* object);

// The audio send queue while the engine runs, else null.
webrtc::TaskQueueBase* AudioSendQueueOrNull();

// Runs `fn` on the signaling thread and waits. Throws std::runtime_error after Shutdown().
void RunOnSignaling(const std::function<void()>& fn);

// The signaling thread while the engine runs, else null (for posting tasks).
rtc::Thread* SignalingThreadOrNull();

}  // namespace pywebrtc
