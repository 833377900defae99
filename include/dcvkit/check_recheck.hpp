// Re-checking until names pass: `dcvkit check --watch`, `order submit --precheck` and `dcvkit
// run`'s check stage wait for DNS and web servers the same way, through this one loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>

#include "dcvkit/check_batch.hpp"
#include "dcvkit/clock.hpp"

namespace dcvkit {

struct RecheckOptions {
  // Rounds go on while the wait before the next one ends by this long after the first began;
  // 0: one round, nothing re-checked.
  std::chrono::milliseconds deadline{0};
  std::chrono::milliseconds first_delay{2000};  // the wait after the first round, doubled each round
  std::chrono::milliseconds max_delay{60000};   // up to this
  Timer* timer = nullptr;                       // null: steady_timer()
};

// A name's result in a round. `final`: the name passed, cannot pass (an invalid name), or this was
// its last round; whoever counts or lists one line per name takes the final ones. A round's
// failures are handed over when the round has ended (only then is it known whether another
// follows); with a zero deadline every result is final and streams as it comes.
using RecheckHandler = std::function<void(const CheckResult& result, int round, bool final)>;

// Called before the wait between two rounds.
struct RecheckWait {
  int round = 0;                          // the round that ended
  std::size_t failing = 0;                // names it left failing (all checked again)
  std::chrono::milliseconds delay{0};     // the wait that starts now
  const CheckResult* example = nullptr;   // one of the failures (the most informative reason)
};

struct RecheckCallbacks {
  RecheckHandler on_result;                                      // may be empty
  std::function<void(const CheckResult&, int round)> on_seen;    // every result as it arrives (progress, streaming)
  std::function<void(const RecheckWait&)> on_wait;               // before the wait between two rounds
};

struct RecheckSummary {
  int rounds = 0;
  std::size_t failing = 0;      // names still failing at the end
  double elapsed_seconds = 0;   // from the timer
  // Of the final failures, the most informative (highest reason_rank): what one line says first.
  std::optional<CheckResult> most_informative;
};

// Checks what `first_round` yields through `service`, then re-checks the failing names with
// exponential backoff until they pass or the deadline says stop. Fails only when the service does.
Result<RecheckSummary> recheck_until(CheckService& service, const std::function<std::optional<CheckRequest>()>& first_round,
                                     const RecheckOptions& options, const RecheckCallbacks& callbacks);

}  // namespace dcvkit
