// Keeps dcSCTP's round-trip time free of samples that measure loss recovery, not the path.
//
// dcSCTP M108 takes an RTT sample from every SACK without gap blocks: the time since the
// chunk at the new cumulative TSN ack was sent (tx/retransmission_queue.cc, UpdateRTT). When
// that SACK is the one that fills a hole, the chunk at the cumulative ack was received long
// before, was reported in a gap block back then, and its "RTT" is however long the hole took
// to fill: on a link losing 30% of packets we saw samples of 0.1 to 7.5 s where the path's
// RTT was 1 ms, and one of them put the retransmission timeout at 8.9 s. Karn's rule only
// excludes retransmitted chunks; libwebrtc's later dcSCTP takes samples from newly acked
// chunks only, as done here.
//
// The link wraps OutstandingData::MeasureRTT (see CMakeLists.txt): retransmission_queue.o
// calls it in outstanding_data.o, so the call comes here, and a chunk already acknowledged
// by a gap block gives no sample.
#include "net/dcsctp/tx/outstanding_data.h"
#include "private_member.h"

#define PYWEBRTC_MEASURE_RTT \
  "_ZNK6dcsctp15OutstandingData10MeasureRTTENS_6TimeMsENS_23UnwrappedSequenceNumberIN6webrtc" \
  "11StrongAliasINS_6TSNTagEjEEEE"

namespace pywebrtc {
namespace {

struct ChunksTag {};

}  // namespace

constexpr auto MemberOf(ChunksTag);
template struct ExposeMember<ChunksTag, &dcsctp::OutstandingData::outstanding_data_>;

// The member function's calling convention: `this` first, then the arguments.
absl::optional<dcsctp::DurationMs> RealMeasureRtt(const dcsctp::OutstandingData* data,
                                                  dcsctp::TimeMs now, dcsctp::UnwrappedTSN tsn)
    __asm__("__real_" PYWEBRTC_MEASURE_RTT);
absl::optional<dcsctp::DurationMs> MeasureRttOfNewlyAcked(const dcsctp::OutstandingData* data,
                                                          dcsctp::TimeMs now,
                                                          dcsctp::UnwrappedTSN tsn)
    __asm__("__wrap_" PYWEBRTC_MEASURE_RTT);

absl::optional<dcsctp::DurationMs> MeasureRttOfNewlyAcked(const dcsctp::OutstandingData* data,
                                                          dcsctp::TimeMs now,
                                                          dcsctp::UnwrappedTSN tsn) {
  const auto& chunks = data->*MemberOf(ChunksTag{});
  auto it = chunks.find(tsn);
  // Acked by a gap block before, or nacked since: this SACK says nothing about the path.
  if (it != chunks.end() && !it->second.is_outstanding()) return absl::nullopt;
  return RealMeasureRtt(data, now, tsn);
}

}  // namespace pywebrtc
