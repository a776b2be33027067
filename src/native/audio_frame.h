// A received audio frame: 20 ms of signed 16-bit interleaved samples, as aiortc delivers.
#pragma once

#include <cstdint>
#include <vector>

namespace pywebrtc {

struct AudioFrame {
  std::vector<int16_t> data;  // interleaved
  int sample_rate = 0;
  int channels = 0;
  int64_t pts = 0;  // in samples, counted from the first frame
  size_t samples() const { return channels ? data.size() / channels : 0; }
};

}  // namespace pywebrtc
