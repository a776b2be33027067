// Drops DTLS records that OpenSSL 3.0 would answer with a fatal error instead of discarding.
//
// RFC 6347 (4.1.2.7): an invalid record is silently discarded. OpenSSL 3.0 does so for a
// record that fails authentication, but one of the current epoch too short to hold the
// cipher's explicit nonce and tag fails the AEAD setup (EVP_CTRL_AEAD_TLS1_AAD), which it
// treats as an internal error: the DTLS transport fails, and with it the connection. Anyone
// who can forge the peer's address could end a call with one 14-byte datagram.
//
// libwebrtc hands OpenSSL one datagram per read of its "stream" BIO
// (rtc_base/openssl_stream_adapter.cc). The link wraps the two OpenSSL calls that set that
// BIO up (see CMakeLists.txt): BIO_meth_set_read, to put our filter in front of every BIO
// read function, and SSL_set_bio, to tag the read BIO of each DTLS connection with its SSL,
// so that the filter knows the negotiated cipher. Untagged BIOs (TLS sockets, say) pass
// through untouched.
#include <openssl/bio.h>
#include <openssl/obj_mac.h>
#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <cstring>
#include <utility>

extern "C" {
int __real_BIO_meth_set_read(BIO_METHOD* method, int (*read)(BIO*, char*, int));
void __real_SSL_set_bio(SSL* ssl, BIO* rbio, BIO* wbio);
int __wrap_BIO_meth_set_read(BIO_METHOD* method, int (*read)(BIO*, char*, int));
void __wrap_SSL_set_bio(SSL* ssl, BIO* rbio, BIO* wbio);
}

namespace pywebrtc {
namespace {

using ReadFunction = int (*)(BIO*, char*, int);

constexpr size_t kRecordHeaderSize = 13;  // type, version, epoch, sequence number, length
constexpr size_t kEpochOffset = 3;
constexpr size_t kLengthOffset = 11;

int SslIndex() {
  static const int index = BIO_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// The shortest protected record the negotiated cipher can produce, or 0 when there is none
// yet or OpenSSL copes with short records of this cipher.
size_t ShortestProtectedRecord(const SSL* ssl) {
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  if (cipher == nullptr) return 0;
  switch (SSL_CIPHER_get_cipher_nid(cipher)) {
    case NID_aes_128_gcm:
    case NID_aes_256_gcm:
      return 8 + 16;  // explicit nonce, tag
    case NID_chacha20_poly1305:
      return 16;  // tag
    default:
      return 0;
  }
}

// Removes from the datagram in `data` every record of a nonzero epoch shorter than the
// cipher allows; returns the datagram's new size.
size_t DropShortRecords(const SSL* ssl, char* data, size_t size) {
  size_t shortest = ShortestProtectedRecord(ssl);
  if (shortest == 0) return size;
  auto* bytes = reinterpret_cast<unsigned char*>(data);
  size_t offset = 0;
  while (size - offset >= kRecordHeaderSize) {
    const unsigned char* header = bytes + offset;
    unsigned epoch = (header[kEpochOffset] << 8) | header[kEpochOffset + 1];
    size_t length = (size_t{header[kLengthOffset]} << 8) | header[kLengthOffset + 1];
    size_t record = kRecordHeaderSize + length;
    if (record > size - offset) break;  // a truncated record: OpenSSL drops it
    if (epoch != 0 && length < shortest) {
      std::memmove(bytes + offset, bytes + offset + record, size - offset - record);
      size -= record;
    } else {
      offset += record;
    }
  }
  return size;
}

int FilteredRead(ReadFunction inner, BIO* bio, char* out, int capacity) {
  // Each read is one datagram; one made only of dropped records is skipped for the next.
  for (;;) {
    int read = inner(bio, out, capacity);
    if (read <= 0) return read;
    auto* ssl = static_cast<const SSL*>(BIO_get_ex_data(bio, SslIndex()));
    if (ssl == nullptr) return read;
    size_t kept = DropShortRecords(ssl, out, static_cast<size_t>(read));
    if (kept > 0) return static_cast<int>(kept);
  }
}

// One trampoline per read function registered: libwebrtc registers two (its DTLS stream BIO
// and its TLS socket BIO), each once. Beyond the slots, functions are left unfiltered.
constexpr size_t kSlots = 4;
std::array<std::atomic<ReadFunction>, kSlots> g_inner_reads{};

template <size_t Slot>
int Trampoline(BIO* bio, char* out, int capacity) {
  return FilteredRead(g_inner_reads[Slot].load(std::memory_order_acquire), bio, out, capacity);
}

template <size_t... Slots>
constexpr std::array<ReadFunction, kSlots> MakeTrampolines(std::index_sequence<Slots...>) {
  return {&Trampoline<Slots>...};
}
constexpr std::array<ReadFunction, kSlots> kTrampolines =
    MakeTrampolines(std::make_index_sequence<kSlots>{});

ReadFunction Filtered(ReadFunction inner) {
  if (inner == nullptr) return inner;
  for (size_t slot = 0; slot < kSlots; ++slot) {
    ReadFunction expected = nullptr;
    if (g_inner_reads[slot].compare_exchange_strong(expected, inner) || expected == inner) {
      return kTrampolines[slot];
    }
  }
  return inner;
}

}  // namespace
}  // namespace pywebrtc

int __wrap_BIO_meth_set_read(BIO_METHOD* method, int (*read)(BIO*, char*, int)) {
  return __real_BIO_meth_set_read(method, pywebrtc::Filtered(read));
}

void __wrap_SSL_set_bio(SSL* ssl, BIO* rbio, BIO* wbio) {
  __real_SSL_set_bio(ssl, rbio, wbio);
  if (ssl != nullptr && rbio != nullptr && SSL_is_dtls(ssl)) {
    BIO_set_ex_data(rbio, pywebrtc::SslIndex(), ssl);
  }
}
