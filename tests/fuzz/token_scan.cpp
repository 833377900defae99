// Token scanning of a TXT value or a fileauth.txt body, the way the CA looks for candidates.
#include "dcvkit/token.hpp"
#include "fuzz/fuzz_target.hpp"

namespace fuzz_token_scan {

void run(std::string_view input) {
  const auto candidates = dcvkit::scan_token_candidates(input, fuzz_support::kNow);
  for (const auto& c : candidates) {
    // Each candidate is 64 characters of the input.
    if (c.size() != dcvkit::kTokenLength || input.find(c) == std::string_view::npos) __builtin_trap();
    (void)dcvkit::parse_token(c);
  }
}

}  // namespace fuzz_token_scan

DCVKIT_FUZZ_ENTRY(fuzz_token_scan::run)
