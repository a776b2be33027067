// The process-wide libwebrtc engine: one PeerConnectionFactory with its network, worker and
// signaling threads, created on first use and torn down by Shutdown() (called at interpreter
// exit). Plain types only: libwebrtc headers stay in the .cpp files.
#pragma once

#include <cstddef>
#include <string>

namespace pywebrtc {

// Gather host candidates on loopback interfaces (off by default, as in browsers). Applies to
// peer connections created afterwards.
void SetAllowLoopback(bool allow);
bool AllowLoopback();

// "none", "error", "warning", "info" or "verbose"; throws std::invalid_argument otherwise.
void SetLogLevel(const std::string& level);

bool EngineStarted();

// Live native objects, for leak tests.
size_t LivePeerConnections();
size_t LiveDataChannels();
size_t LiveRemoteTracks();
// Closes every live peer connection, releases the factory on its thread and stops the
// threads. Idempotent; later calls that need the engine raise.
void Shutdown();

}  // namespace pywebrtc
