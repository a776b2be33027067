// A DTLS certificate (RTCCertificate): an ECDSA P-256 key and its self-signed certificate,
// made by libwebrtc's generator. Plain types only: libwebrtc stays in the .cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace pywebrtc {

class Certificate {
 public:
  // A new key and certificate valid for `expires_ms` from now (libwebrtc's 30 days if unset).
  static std::shared_ptr<Certificate> Generate(std::optional<uint64_t> expires_ms);
  ~Certificate();

  // Milliseconds since the Unix epoch after which the certificate is no longer valid.
  uint64_t Expires() const;
  // The certificate's digest in RFC 4572 form ("AB:CD:..."); ValueError for an unknown
  // algorithm ("sha-256", "sha-384", "sha-512", ...).
  std::string Fingerprint(const std::string& algorithm) const;
  // (private key, certificate), both PEM.
  std::pair<std::string, std::string> ToPem() const;

  struct Impl;
  explicit Certificate(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace pywebrtc
