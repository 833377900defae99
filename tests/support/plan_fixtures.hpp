// Plan entries and tokens the publish tests hand to publishers.
#pragma once

#include <string>

#include "dcvkit/plan.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"

namespace dcvkit::test {

// A valid request token for a made-up CSR text, dated 2026-11-23 (publishers only check its form).
inline std::string token_for(const std::string& csr) {
  return *compute_token("k", csr, *parse_compact_timestamp("20261123000000"));
}

// The dns-txt-token entry of `name`: TXT at _dnsauth.<name>.
inline PlanEntry dns_entry(const std::string& name) {
  PlanEntry e;
  e.name = name;
  e.method = DcvMethod::Dns;
  e.record = "_dnsauth." + name;
  return e;
}

}  // namespace dcvkit::test
