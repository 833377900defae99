// The sandbox CA's request parsing: an order body (JSON, then field by field, the CSR included)
// and the fault plan file. Refusals are ApiError (400) or an Error, never anything else.
#include <nlohmann/json.hpp>

#include "api.hpp"
#include "faults.hpp"
#include "fuzz/fuzz_target.hpp"
#include "order_request.hpp"

namespace fuzz_sandbox_order {

void run(std::string_view input) {
  if (fuzz_support::pick(input, 4) == 0) {
    (void)dcvkit::sandbox::parse_fault_plan(input);
    return;
  }
  const auto body = nlohmann::json::parse(input, nullptr, false);
  if (!body.is_object()) return;  // the server answers 400 invalid_json before parsing fields
  try {
    auto order = dcvkit::sandbox::parse_order_request(body);
    if (order.names.empty() || order.csr.empty()) __builtin_trap();
  } catch (const dcvkit::sandbox::ApiError& e) {
    if (e.status != 400) __builtin_trap();
  }
}

}  // namespace fuzz_sandbox_order

DCVKIT_FUZZ_ENTRY(fuzz_sandbox_order::run)
