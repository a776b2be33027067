#include "event_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pywebrtc {
namespace {
std::atomic<size_t> g_live_queues{0};
}  // namespace

size_t LiveEventQueues() { return g_live_queues; }

EventQueue::EventQueue() {
  fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd_ < 0) {
    throw std::runtime_error(std::string("eventfd failed: ") + std::strerror(errno));
  }
  ++g_live_queues;
}

EventQueue::~EventQueue() {
  if (fd_ >= 0) close(fd_);
  --g_live_queues;
}

void EventQueue::Push(Event event) {
  bool wake;
  {
    std::lock_guard lock(mutex_);
    wake = events_.empty();
    events_.push_back(std::move(event));
    ++pushed_;
  }
  if (wake) {
    uint64_t one = 1;
    // A full counter (impossible in practice) or EAGAIN still leaves the fd readable.
    [[maybe_unused]] ssize_t n = write(fd_, &one, sizeof one);
  }
}

std::vector<Event> EventQueue::Drain() {
  // Clear the fd before taking the events: a Push racing with us then either lands in the
  // batch we take or signals the fd again.
  uint64_t count;
  [[maybe_unused]] ssize_t n = read(fd_, &count, sizeof count);
  std::vector<Event> taken;
  {
    std::lock_guard lock(mutex_);
    taken.swap(events_);
  }
  return taken;
}

size_t EventQueue::pushed() const {
  std::lock_guard lock(mutex_);
  return pushed_;
}

}  // namespace pywebrtc
