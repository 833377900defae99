// CA/B Forum Baseline Requirements 6.3.2 (ballot SC-081): the longest subscriber certificate a CA
// may issue shrinks on fixed dates. An order asking for more is refused by the CA after it was
// placed (and paid); dcvkit refuses it before anything is sent.
#include "dcvkit/validity_limit.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit {
namespace {

struct Step {
  CivilTime since;  // 00:00 UTC
  const char* shown;
  int days;
};
const Step kSchedule[] = {{{2029, 3, 15}, "2029-03-15", 47}, {{2027, 3, 15}, "2027-03-15", 100}, {{2026, 3, 15}, "2026-03-15", 200}};
constexpr int kBeforeSchedule = 398;

}  // namespace

ValidityLimit max_validity(UnixSeconds when) {
  for (const auto& step : kSchedule)
    if (when >= to_unix(step.since)) return {step.days, step.shown};
  return {kBeforeSchedule, ""};
}

Status check_validity_limit(std::optional<int> days, UnixSeconds now, const std::string& where) {
  const ValidityLimit limit = max_validity(now);
  if (!days || *days <= limit.days) return {};
  const std::string rule = limit.since.empty() ? "today" : "for certificates issued from " + limit.since;
  return make_error(ErrorKind::InvalidInput, "order.validity_too_long",
                    where + "asks for " + std::to_string(*days) +
                        " days: the CA/Browser Forum Baseline Requirements (6.3.2) allow at most " +
                        std::to_string(limit.days) + " days " + rule + "; the CA would refuse the order",
                    "ask for at most " + std::to_string(limit.days) + " days (--validity-days " +
                        std::to_string(limit.days) + ", or \"validity_days\": " + std::to_string(limit.days) +
                        " in a manifest), or leave it out for the CA's default");
}

}  // namespace dcvkit
