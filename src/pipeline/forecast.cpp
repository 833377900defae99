// dcvkit run --dry-run: the decisions run_pipeline, CertificateJob::run and select_renewals make
// for a certificate, from its ledger entry alone.
#include "dcvkit/pipeline.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit {

RunForecast forecast_certificate(const std::optional<LedgerEntry>& entry, bool orders_first, bool retry_failed,
                                 std::optional<UnixSeconds> renew_window, UnixSeconds now) {
  if (!entry || entry->stage == Stage::New)
    return {"issue",
            orders_first ? "new: key and CSR, order, publish and check its challenges, answer them"
                         : "new: key and CSR, token, publish, check, order",
            true};
  const LedgerEntry& e = *entry;
  const std::string expires = e.not_after ? "expires " + format_iso8601(e.not_after) : std::string();
  if (e.stage == Stage::Done) {
    if (renew_window && due_for_renewal(e, *renew_window, now))
      return {"renew",
              expires + ", within --renew-within: " + (orders_first ? "a new order" : "a new token and order") +
                  " with the same key",
              true};
    return {"nothing", expires.empty() ? "done" : "done, " + expires, false};
  }
  if (e.stage == Stage::Failed) {
    const std::string step(step_after(e.failed_stage, orders_first));
    const std::string why = "failed at " + step + " (" + e.error_code + ")";
    if (!retry_failed && !resumes_unasked(e.failed_stage)) return {"held", why + ": --retry-failed starts it again", false};
    return {"resume", why + ": again from " + step, e.failed_stage < Stage::Ordering};
  }
  return {"resume", "continues at " + std::string(step_after(e.stage, orders_first)), e.stage < Stage::Ordering};
}

}  // namespace dcvkit
