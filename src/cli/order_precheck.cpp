#include "cli/order_precheck.hpp"

#include <algorithm>

namespace dcvkit::cli {

Result<std::vector<CheckResult>> precheck_names(const std::vector<std::string>& names, DcvMethod method,
                                                const std::shared_ptr<const TokenExpectation>& expected,
                                                const CheckBatchOptions& options, const RecheckOptions& recheck,
                                                const std::function<void(const RecheckWait&)>& on_wait) {
  std::size_t next = 0;
  std::vector<CheckResult> results;
  RecheckCallbacks callbacks;
  callbacks.on_result = [&](const CheckResult& r, int, bool final) {
    if (final) results.push_back(r);
  };
  callbacks.on_wait = on_wait;
  CheckService service(options);
  auto ended = recheck_until(
      service,
      [&]() -> std::optional<CheckRequest> {
        if (next >= names.size()) return std::nullopt;
        return CheckRequest{names[next++], method, expected};
      },
      recheck, callbacks);
  if (!ended) return ended.error();
  // Completion order -> the order the names were given (a result may carry another spelling: last).
  std::stable_sort(results.begin(), results.end(), [&](const CheckResult& a, const CheckResult& b) {
    auto rank = [&](const CheckResult& r) { return std::find(names.begin(), names.end(), r.name) - names.begin(); };
    return rank(a) < rank(b);
  });
  return results;
}

}  // namespace dcvkit::cli
