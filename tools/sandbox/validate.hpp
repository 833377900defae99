// Domain control validation of an order, through the dcvkit check library: every name, by the
// order's method, accepting any valid token made from the order's CSR text (exactly as sent)
// and the account's AuthKey.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/check_dns.hpp"
#include "dcvkit/check_http.hpp"
#include "dcvkit/plan.hpp"

namespace dcvkit::sandbox {

struct ValidationOptions {
  DnsProbeOptions dns;
  HttpProbeOptions http;
};

struct Validation {
  bool ok = false;
  std::vector<std::string> reasons;  // "name: code: message", in the order's name order
};

Validation validate_names(const ValidationOptions& options, const std::vector<std::string>& names, DcvMethod method,
                          const std::string& csr, std::string_view auth_key);

}  // namespace dcvkit::sandbox
