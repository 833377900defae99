#include "dcvkit/check_recheck.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace dcvkit {
namespace {

// An invalid name stays invalid: re-asking it would only delay the answer.
bool can_pass_later(const CheckResult& r) { return r.code.rfind("name.", 0) != 0; }

double seconds_between(Timer::TimePoint from, Timer::TimePoint to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

Result<RecheckSummary> recheck_until(CheckService& service, const std::function<std::optional<CheckRequest>()>& first_round,
                                     const RecheckOptions& options, const RecheckCallbacks& callbacks) {
  RecheckSummary summary;
  const auto on_result = [&](const CheckResult& r, bool final) {
    if (callbacks.on_result) callbacks.on_result(r, summary.rounds, final);
    if (final && !r.ok &&
        (!summary.most_informative || reason_rank(r.code) > reason_rank(summary.most_informative->code)))
      summary.most_informative = r;
  };
  Timer& timer = options.timer ? *options.timer : steady_timer();
  const auto started = timer.now();
  const auto deadline = started + options.deadline;
  const bool rechecking = options.deadline.count() > 0;
  auto delay = std::max(options.first_delay, std::chrono::milliseconds(1));

  std::vector<CheckRequest> again;  // the names of the next round
  std::size_t next_again = 0;
  std::function<std::optional<CheckRequest>()> source = first_round;
  for (;;) {
    ++summary.rounds;
    std::vector<std::pair<CheckResult, CheckRequest>> failing;
    auto status = service.check_each(source, [&](CheckResult r, const CheckRequest& asked) {
      if (callbacks.on_seen) callbacks.on_seen(r, summary.rounds);
      if (r.ok || !rechecking || !can_pass_later(r)) return on_result(r, true);
      failing.emplace_back(std::move(r), asked);
    });
    if (!status) return status.error();
    summary.failing = failing.size();
    const auto now = timer.now();
    summary.elapsed_seconds = seconds_between(started, now);
    const bool another = !failing.empty() && now + delay <= deadline;
    for (const auto& [result, asked] : failing) on_result(result, !another);
    if (!another) return summary;

    if (callbacks.on_wait) {
      const auto best = std::max_element(failing.begin(), failing.end(), [](const auto& a, const auto& b) {
        return reason_rank(a.first.code) < reason_rank(b.first.code);
      });
      callbacks.on_wait(RecheckWait{summary.rounds, failing.size(), delay, &best->first});
    }
    again.clear();
    for (auto& f : failing) again.push_back(std::move(f.second));
    next_again = 0;
    source = [&]() -> std::optional<CheckRequest> {
      if (next_again >= again.size()) return std::nullopt;
      return again[next_again++];
    };
    timer.sleep_for(delay);
    delay = std::min(delay * 2, std::max(options.max_delay, delay));
  }
}

}  // namespace dcvkit
