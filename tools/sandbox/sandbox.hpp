// What every API handler works with: the state, the CA, how to reach the names, the counters the
// stats call reports, and a stop signal that cuts fault delays short at shutdown.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "ca.hpp"
#include "store.hpp"
#include "validate.hpp"

namespace dcvkit::sandbox {

class StopSignal {
 public:
  void raise();
  bool raised() const { return raised_.load(); }
  // Sleeps for `duration` or until raise(); false when cut short.
  bool sleep_for(std::chrono::milliseconds duration);

 private:
  std::atomic<bool> raised_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
};

// How the CA shapes what it issues (options --auto-www, --shuffle-chain): behaviours of real DV
// products that a client must cope with.
struct IssuanceBehaviour {
  bool auto_www = false;       // a single-name order's leaf also gets the www/bare partner name
  bool shuffle_chain = false;  // downloads (pem_all, pem_noroot) are not leaf first
};

struct Sandbox {
  Store& store;
  const Ca& ca;
  ValidationOptions validation;
  IssuanceBehaviour issuance;
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> rate_limited{0};
  StopSignal stop;
};

}  // namespace dcvkit::sandbox
