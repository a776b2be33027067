// Lets a message sent with maxPacketLifeTime expire even when a reliable message is ahead.
//
// dcSCTP M108 abandons nacked chunks whose lifetime has passed (OutstandingData::
// ExpireOutstandingChunks), walking the outstanding chunks in TSN order and stopping at the
// first one that is not both nacked and expired. All of an association's channels share one
// TSN space, so a reliable channel's chunk, which never expires, stops the walk: after a
// link was cut for a second, a partially reliable channel's messages from the cut came out
// of retransmission long after their lifetime. libwebrtc's later dcSCTP keeps expiry per
// chunk instead of in TSN order.
//
// The link wraps two OutstandingData members (see CMakeLists.txt): Insert notes which
// OutstandingData holds chunks that can expire, and ExpireOutstandingChunks, after its own
// walk, abandons every nacked and expired chunk of those. An association with reliable
// channels only is never walked again.
#include <unordered_set>

#include "net/dcsctp/tx/outstanding_data.h"
#include "private_member.h"

#define PYWEBRTC_INSERT \
  "_ZN6dcsctp15OutstandingData6InsertERKNS_4DataENS_6TimeMsENS_14MaxRetransmitsES4_NS_" \
  "11LifecycleIdE"
#define PYWEBRTC_EXPIRE "_ZN6dcsctp15OutstandingData23ExpireOutstandingChunksENS_6TimeMsE"

namespace pywebrtc {
namespace {

struct ChunksTag {};
struct AbandonTag {};

// A chunk expires at a finite time; the latest one is the moment before "never".
constexpr dcsctp::TimeMs kLatestExpiry = dcsctp::TimeMs::InfiniteFuture() - dcsctp::DurationMs(1);

// The OutstandingData (one per association) holding chunks that can expire. Each network
// thread has its own. An address left here by a closed association only costs its
// successor at that address a walk; the bound keeps such leftovers few.
constexpr size_t kMaxTracked = 1024;
std::unordered_set<const dcsctp::OutstandingData*>& WithExpiringChunks() {
  thread_local std::unordered_set<const dcsctp::OutstandingData*> tracked;
  return tracked;
}

}  // namespace

constexpr auto MemberOf(ChunksTag);
template struct ExposeMember<ChunksTag, &dcsctp::OutstandingData::outstanding_data_>;

constexpr auto MemberOf(AbandonTag);
template struct ExposeMember<AbandonTag, &dcsctp::OutstandingData::AbandonAllFor>;

// The member functions' calling convention: `this` first, then the arguments.
absl::optional<dcsctp::UnwrappedTSN> RealInsert(dcsctp::OutstandingData* data,
                                                const dcsctp::Data& chunk,
                                                dcsctp::TimeMs time_sent,
                                                dcsctp::MaxRetransmits max_retransmissions,
                                                dcsctp::TimeMs expires_at,
                                                dcsctp::LifecycleId lifecycle_id)
    __asm__("__real_" PYWEBRTC_INSERT);
absl::optional<dcsctp::UnwrappedTSN> InsertNotingExpiry(
    dcsctp::OutstandingData* data, const dcsctp::Data& chunk, dcsctp::TimeMs time_sent,
    dcsctp::MaxRetransmits max_retransmissions, dcsctp::TimeMs expires_at,
    dcsctp::LifecycleId lifecycle_id) __asm__("__wrap_" PYWEBRTC_INSERT);
void RealExpire(dcsctp::OutstandingData* data, dcsctp::TimeMs now)
    __asm__("__real_" PYWEBRTC_EXPIRE);
void ExpireEveryExpiredChunk(dcsctp::OutstandingData* data, dcsctp::TimeMs now)
    __asm__("__wrap_" PYWEBRTC_EXPIRE);

absl::optional<dcsctp::UnwrappedTSN> InsertNotingExpiry(
    dcsctp::OutstandingData* data, const dcsctp::Data& chunk, dcsctp::TimeMs time_sent,
    dcsctp::MaxRetransmits max_retransmissions, dcsctp::TimeMs expires_at,
    dcsctp::LifecycleId lifecycle_id) {
  if (expires_at <= kLatestExpiry) {
    auto& tracked = WithExpiringChunks();
    if (tracked.size() >= kMaxTracked && !tracked.contains(data)) tracked.clear();
    tracked.insert(data);
  }
  return RealInsert(data, chunk, time_sent, max_retransmissions, expires_at, lifecycle_id);
}

void ExpireEveryExpiredChunk(dcsctp::OutstandingData* data, dcsctp::TimeMs now) {
  RealExpire(data, now);
  auto& tracked = WithExpiringChunks();
  auto found = tracked.find(data);
  if (found == tracked.end()) return;

  const auto& chunks = data->*MemberOf(ChunksTag{});
  bool can_expire_later = false;
  // AbandonAllFor may add an (abandoned) placeholder chunk: std::map keeps iterators valid.
  for (const auto& [tsn, item] : chunks) {
    if (item.is_abandoned() || !item.has_expired(kLatestExpiry)) continue;
    // As upstream: only a nacked chunk may be abandoned, an unacked one may have arrived.
    if (item.is_nacked() && item.has_expired(now)) {
      (data->*MemberOf(AbandonTag{}))(item);
    } else {
      can_expire_later = true;
    }
  }
  if (!can_expire_later) tracked.erase(found);
}

}  // namespace pywebrtc
