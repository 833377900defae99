#include "cli/order_precheck.hpp"

#include <algorithm>

namespace dcvkit::cli {

Result<std::vector<CheckResult>> precheck_names(const std::vector<std::string>& names, DcvMethod method,
                                                const std::shared_ptr<const TokenExpectation>& expected,
                                                const CheckBatchOptions& options) {
  std::size_t next = 0;
  std::vector<CheckResult> results;
  auto status = run_check_batch(
      options,
      [&]() -> std::optional<CheckRequest> {
        if (next >= names.size()) return std::nullopt;
        return CheckRequest{names[next++], method, expected};
      },
      [&](CheckResult r) { results.push_back(std::move(r)); });
  if (!status) return status.error();
  // Completion order -> the order the names were given (a result may carry another spelling: last).
  std::stable_sort(results.begin(), results.end(), [&](const CheckResult& a, const CheckResult& b) {
    auto rank = [&](const CheckResult& r) { return std::find(names.begin(), names.end(), r.name) - names.begin(); };
    return rank(a) < rank(b);
  });
  return results;
}

}  // namespace dcvkit::cli
