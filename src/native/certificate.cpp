#include "certificate.h"

#include <stdexcept>

#include "rtc_base/rtc_certificate.h"
#include "rtc_base/rtc_certificate_generator.h"
#include "rtc_base/ssl_fingerprint.h"

namespace pywebrtc {

struct Certificate::Impl {
  rtc::scoped_refptr<rtc::RTCCertificate> certificate;
};

Certificate::Certificate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Certificate::~Certificate() = default;

std::shared_ptr<Certificate> Certificate::Generate(std::optional<uint64_t> expires_ms) {
  absl::optional<uint64_t> expires;
  if (expires_ms) expires = *expires_ms;
  // ECDSA P-256, as browsers and aiortc use; the generator is synchronous and thread-safe.
  auto certificate = rtc::RTCCertificateGenerator::GenerateCertificate(
      rtc::KeyParams::ECDSA(rtc::EC_NIST_P256), expires);
  if (!certificate) throw std::runtime_error("certificate generation failed");
  auto impl = std::make_unique<Impl>();
  impl->certificate = std::move(certificate);
  return std::make_shared<Certificate>(std::move(impl));
}

uint64_t Certificate::Expires() const { return impl_->certificate->Expires(); }

std::string Certificate::Fingerprint(const std::string& algorithm) const {
  auto fingerprint =
      rtc::SSLFingerprint::Create(algorithm, impl_->certificate->GetSSLCertificate());
  if (!fingerprint) throw std::invalid_argument("unknown digest algorithm: " + algorithm);
  return fingerprint->GetRfc4572Fingerprint();
}

std::pair<std::string, std::string> Certificate::ToPem() const {
  auto pem = impl_->certificate->ToPEM();
  return {pem.private_key(), pem.certificate()};
}

}  // namespace pywebrtc
