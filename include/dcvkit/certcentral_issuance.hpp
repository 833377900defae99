// An order that was not issued at once: ask the CA to validate again (check-dcv), say why it is
// not issued, and poll with backoff until it is (or a deadline passes).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dcvkit/certcentral.hpp"

namespace dcvkit::certcentral {

struct PendingState {
  std::int64_t certificate_id = 0;  // set: issued
  std::string status;               // the order's status ("pending", "issued", "canceled", ...)
  std::string reason;               // why it is not issued: the names that failed, and how
  std::string failure_code;         // check-dcv's code: invalid_dns_txt, file_random_value_not_found, auth_key_not_setup
  std::vector<NameValidation> names;  // check-dcv's per-name states (dns-txt-token), when it lists them
  bool final = false;               // canceled, rejected, revoked, expired: waiting will not help
  std::chrono::milliseconds next_check{0};  // while waiting: the pause before the next check
  bool issued() const { return certificate_id != 0; }
};

// One check-dcv, plus the order's details when check-dcv does not say enough.
Result<PendingState> check_pending_once(Client& client, std::int64_t order_id);

// check_pending_once until issued or final, pausing 2 s doubling to 30 s (jittered, the client's
// timer) in between; gives up when the next check would start after `deadline`. `on_wait` is
// called before each pause. The last state is returned either way (an error only when a call failed).
Result<PendingState> wait_until_issued(Client& client, std::int64_t order_id, std::chrono::seconds deadline,
                                       const std::function<void(const PendingState&)>& on_wait = {});

// The same, as the certificate id, or a NotIssued error ("order.not_issued", "order.<status>").
Result<std::int64_t> wait_for_certificate(Client& client, std::int64_t order_id, std::chrono::seconds deadline,
                                          const std::function<void(const PendingState&)>& on_wait = {});

// The NotIssued error for a state: the reason in the message, and a hint (`hint` unless the
// state calls for another: a final status, or no AuthKey on the account).
Error not_issued_error(std::int64_t order_id, const PendingState& state, const std::string& hint);

}  // namespace dcvkit::certcentral
