// Domain names as certificates and DCV use them: lowercase, IDNA (punycode) checked,
// LDH labels of 1-63 octets, at most 253 octets in all, trailing dot removed,
// at most one leading "*." label.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "dcvkit/error.hpp"

namespace dcvkit {

struct NameRules {
  bool allow_wildcard = true;
};

// Returns the canonical form (lowercase A-labels, no trailing dot) or an InvalidInput error with
// code "name.*" saying which label is wrong and why. Unicode input is converted to punycode.
// IP addresses are refused ("name.ip_address"): DV certificates here are for DNS names.
Result<std::string> normalize_dns_name(std::string_view input, NameRules rules = {});

// The most names one certificate may hold, the same in `csr new`, `order submit` and the manifest:
// more than any CA accepts (CertCentral DV: 250 with the CN).
inline constexpr std::size_t kMaxCertificateNames = 250;
// InvalidInput "names.too_many" beyond kMaxCertificateNames.
Status check_name_count(std::size_t count);

bool is_wildcard(std::string_view canonical_name);
// "*.example.com" -> "example.com"; other names unchanged.
std::string_view wildcard_base(std::string_view canonical_name);

}  // namespace dcvkit
