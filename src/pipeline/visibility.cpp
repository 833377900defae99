#include "pipeline/visibility.hpp"

#include <chrono>
#include <cstdio>

#include "dcvkit/check_recheck.hpp"

namespace dcvkit::pipeline {

Status check_until_visible(CheckService& service, const std::vector<CheckRequest>& requests, const PipelineOptions& options,
                           const std::function<void(const std::string&)>& on_wait) {
  std::size_t next = 0;
  RecheckOptions recheck;
  recheck.deadline = options.check_deadline;
  recheck.first_delay = std::chrono::milliseconds(1000);
  recheck.max_delay = std::chrono::milliseconds(30000);
  recheck.timer = options.timer;
  RecheckCallbacks callbacks;
  callbacks.on_wait = [&](const RecheckWait& w) {
    on_wait(std::to_string(w.failing) + " name(s) not visible yet (" + w.example->code + ")");
  };
  auto ended = recheck_until(
      service,
      [&]() -> std::optional<CheckRequest> {
        if (next == requests.size()) return std::nullopt;
        return requests[next++];
      },
      recheck, callbacks);
  if (!ended) return ended.error();
  if (const auto& failure = ended->most_informative) {
    // The time that passed, from the timer: the next try would fall after the deadline, so the
    // check stops before the deadline itself has passed.
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "%.1f", ended->elapsed_seconds);
    return make_error(ErrorKind::CheckFailed, failure->code,
                      failure->name + ": " + failure->message + " (still failing after " + elapsed +
                          " s; the next try would pass the check deadline of " +
                          std::to_string(options.check_deadline.count()) + " s)",
                      failure->hint);
  }
  return {};
}

}  // namespace dcvkit::pipeline
