// The fault plan (--faults FILE): rules that match requests by method and path prefix (the path
// after /services/v2), count the matching requests from 1, and act on the nth and the count - 1
// after it. Every matching rule counts; the first whose window holds its count acts.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/error.hpp"

namespace dcvkit::sandbox {

enum class FaultKind { Status, CloseAfterStore, CloseBefore, Delay, ExtraName };

struct FaultAction {
  FaultKind kind = FaultKind::Status;
  int status = 0;  // Status
  int ms = 0;      // Delay
  std::string name;  // ExtraName: a leaf signed while handling the request also carries this name
  std::size_t rule = 0;  // index in the plan, for messages
};

struct FaultRule {
  std::string method;  // "" or "*": any
  std::string path;    // prefix; "": any
  std::uint64_t nth = 1, count = 1;
  FaultAction action;
};

// Usage errors name the rule and the field that is wrong.
Result<std::vector<FaultRule>> parse_fault_plan(std::string_view json_text);
Result<std::vector<FaultRule>> load_fault_plan(const std::string& path);

class FaultPlan {
 public:
  explicit FaultPlan(std::vector<FaultRule> rules) : rules_(std::move(rules)), seen_(rules_.size(), 0) {}
  // Counts this request against every rule it matches; the action to apply, if any.
  std::optional<FaultAction> next(std::string_view method, std::string_view path);
  bool empty() const { return rules_.empty(); }

 private:
  std::vector<FaultRule> rules_;
  std::vector<std::uint64_t> seen_;
  std::mutex mutex_;
};

}  // namespace dcvkit::sandbox
