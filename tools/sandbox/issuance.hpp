// Validate an order's names now and, when every one passes, sign the leaf and store it.
// Shared by the order call (immediate issuance) and check-dcv.
#pragma once

#include <string>
#include <vector>

#include "sandbox.hpp"

namespace dcvkit::sandbox {

struct IssueOutcome {
  bool issued = false;
  Id certificate_id = 0;
  std::vector<std::string> reasons;  // why not, "name: code: message"
};

// The order must be pending with a dns-txt-token or http-token method. Records the reasons on the
// order when validation fails. The leaf carries the ordered names, then the www/bare partner of a
// single name with --auto-www, then `extra_name` when not empty (a fault plan's "extra_name").
IssueOutcome validate_and_issue(Sandbox& sandbox, const OrderRecord& order, const std::string& auth_key,
                                const std::string& extra_name);

}  // namespace dcvkit::sandbox
