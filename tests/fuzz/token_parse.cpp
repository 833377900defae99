// Token parsing and inspection (what `dcvkit token inspect` and `token verify` do with a string
// from the command line), including the verification against a fixed CSR and AuthKey.
#include "dcvkit/token.hpp"
#include "fuzz/fuzz_target.hpp"

namespace fuzz_token_parse {

void run(std::string_view input) {
  auto parsed = dcvkit::parse_token(input);
  if (parsed) {
    auto info = dcvkit::inspect_token(parsed->timestamp, fuzz_support::kNow);
    if (info.status == dcvkit::TokenStatus::Valid && info.seconds_left > dcvkit::kTokenValiditySeconds) __builtin_trap();
  }
  const dcvkit::FixedClock clock(fuzz_support::kNow);
  auto verified = dcvkit::verify_token(input, "fuzz-auth-key", "-----BEGIN CERTIFICATE REQUEST-----", clock);
  if (verified.ok() && !parsed.ok()) __builtin_trap();  // verification never accepts what parsing refuses
}

}  // namespace fuzz_token_parse

DCVKIT_FUZZ_ENTRY(fuzz_token_parse::run)
