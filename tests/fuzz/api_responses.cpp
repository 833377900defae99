// The CertCentral API's answers: every typed response parser, the error envelope, Retry-After.
#include "certcentral/responses.hpp"
#include "dcvkit/certcentral_errors.hpp"
#include "dcvkit/certcentral_pacing.hpp"
#include "fuzz/fuzz_target.hpp"

namespace fuzz_api_responses {

namespace cc = dcvkit::certcentral;

void run(std::string_view input) {
  switch (fuzz_support::pick(input, 8)) {
    case 0: (void)cc::parse_auth_key(input); break;
    case 1: (void)cc::parse_products(input); break;
    case 2:
      if (auto o = cc::parse_order_created(input)) (void)o->chain_pems();
      break;
    case 3: (void)cc::parse_order_info(input); break;
    case 4: (void)cc::parse_order_list(input); break;
    case 5: (void)cc::parse_dcv_check(input); break;
    case 6: (void)cc::parse_error_envelope(input); break;
    default: (void)cc::parse_retry_after(input, fuzz_support::kNow); break;
  }
}

}  // namespace fuzz_api_responses

DCVKIT_FUZZ_ENTRY(fuzz_api_responses::run)
