// order submit --precheck: the check library run over the names about to be ordered, so a name
// that would leave the order pending is refused before it costs anything.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dcvkit/check_batch.hpp"
#include "dcvkit/check_recheck.hpp"

namespace dcvkit::cli {

// Every name's final verdict (re-checked as `recheck` says), in the order of `names`.
Result<std::vector<CheckResult>> precheck_names(const std::vector<std::string>& names, DcvMethod method,
                                                const std::shared_ptr<const TokenExpectation>& expected,
                                                const CheckBatchOptions& options, const RecheckOptions& recheck,
                                                const std::function<void(const RecheckWait&)>& on_wait = {});

}  // namespace dcvkit::cli
