// CA/B Forum Baseline Requirements 6.3.2 (ballot SC-081): the longest certificate a CA may issue
// shrinks on fixed dates. An order asking for more is refused by the CA after it was placed, so
// dcvkit refuses it before anything is sent (order submit, and a manifest's validity_days).
#pragma once

#include <optional>
#include <string>

#include "dcvkit/clock.hpp"
#include "dcvkit/error.hpp"

namespace dcvkit {

// 398 days, 200 from 2026-03-15, 100 from 2027-03-15, 47 from 2029-03-15 (00:00 UTC).
struct ValidityLimit {
  int days = 398;
  std::string since;  // "2026-03-15": the date that limit started ("" before the schedule)
};
ValidityLimit max_validity(UnixSeconds when);
// "order.validity_too_long" (with the limit and its date) when `days` (order_validity.days: the
// certificate's validity) exceeds the limit at `now`. Years are a subscription (each certificate
// within it stays under the limit), so they are not limited here. `where` prefixes the message.
Status check_validity_limit(std::optional<int> days, UnixSeconds now, const std::string& where = "");

}  // namespace dcvkit
