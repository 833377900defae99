#include "sandbox.hpp"

namespace dcvkit::sandbox {

void StopSignal::raise() {
  {
    std::lock_guard lock(mutex_);
    raised_ = true;
  }
  cv_.notify_all();
}

bool StopSignal::sleep_for(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, duration, [this] { return raised_.load(); });
}

}  // namespace dcvkit::sandbox
