#include "validate.hpp"

#include <algorithm>
#include <map>

#include "dcvkit/check_batch.hpp"

namespace dcvkit::sandbox {

Validation validate_names(const ValidationOptions& options, const std::vector<std::string>& names, DcvMethod method,
                          const std::string& csr, std::string_view auth_key) {
  Validation v;
  auto expected = TokenExpectation::from_csr({csr}, auth_key);
  if (!expected) {
    v.reasons.push_back("auth_key: " + expected.error().code + ": " + expected.error().message);
    return v;
  }
  std::shared_ptr<const TokenExpectation> shared = *expected;
  CheckBatchOptions batch;
  batch.dns = options.dns;
  batch.http = options.http;
  std::size_t next_index = 0;
  std::map<std::string, CheckResult> results;
  auto status = run_check_batch(
      batch,
      [&]() -> std::optional<CheckRequest> {
        if (next_index == names.size()) return std::nullopt;
        return CheckRequest{names[next_index++], method, shared};
      },
      [&](CheckResult r) { results.emplace(r.name, std::move(r)); });
  if (!status) {
    v.reasons.push_back("sandbox: " + status.error().code + ": " + status.error().message);
    return v;
  }
  v.ok = true;
  for (const auto& name : names) {
    auto it = results.find(name);
    if (it == results.end()) {
      v.ok = false;
      v.reasons.push_back(name + ": sandbox.no_result: the check gave no verdict");
    } else if (!it->second.ok) {
      v.ok = false;
      v.reasons.push_back(name + ": " + it->second.code + ": " + it->second.message);
    }
  }
  return v;
}

}  // namespace dcvkit::sandbox
