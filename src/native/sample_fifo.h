// Interleaved s16 samples in arrival order, taken out in fixed-size chunks: the receive path
// gathers libwebrtc's 10 ms into 20 ms frames, the send path cuts Python's frames into the
// 10 ms that libwebrtc's encoder takes. Not thread-safe: the owner holds its own lock.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pywebrtc {

class SampleFifo {
 public:
  int rate() const { return rate_; }
  int channels() const { return channels_; }
  // Frames (samples per channel) queued.
  size_t frames() const { return channels_ ? (data_.size() - read_) / channels_ : 0; }

  // A new format; what was queued goes. Returns the frames dropped.
  size_t Reset(int rate, int channels) {
    const size_t dropped = frames();
    data_.clear();
    read_ = 0;
    rate_ = rate;
    channels_ = channels;
    return dropped;
  }

  void Append(const int16_t* samples, size_t frames) {
    data_.insert(data_.end(), samples, samples + frames * channels_);
  }

  // Mono input into a stereo FIFO: each sample goes to both channels.
  void AppendUpmixed(const int16_t* mono, size_t frames) {
    data_.reserve(data_.size() + frames * 2);
    for (size_t i = 0; i < frames; ++i) {
      data_.push_back(mono[i]);
      data_.push_back(mono[i]);
    }
  }

  // Moves the oldest `frames` frames into `out`; false (and nothing taken) if fewer wait.
  bool Take(size_t frames, std::vector<int16_t>& out) {
    const size_t values = frames * channels_;
    if (data_.size() - read_ < values) return false;
    out.assign(data_.begin() + read_, data_.begin() + read_ + values);
    read_ += values;
    Compact();
    return true;
  }

  // Drops the oldest frames beyond `keep`; returns how many went.
  size_t Trim(size_t keep) {
    const size_t have = frames();
    if (have <= keep) return 0;
    read_ += (have - keep) * channels_;
    Compact();
    return have - keep;
  }

  void Clear() {
    data_.clear();
    read_ = 0;
  }

 private:
  // Taking from the front moves nothing until half the storage is consumed.
  void Compact() {
    if (read_ == data_.size()) {
      data_.clear();
      read_ = 0;
    } else if (read_ > data_.size() / 2) {
      data_.erase(data_.begin(), data_.begin() + read_);
      read_ = 0;
    }
  }

  std::vector<int16_t> data_;
  size_t read_ = 0;
  int rate_ = 0;
  int channels_ = 0;
};

}  // namespace pywebrtc
