#include "faults.hpp"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "dcvkit/files.hpp"
#include "dcvkit/names.hpp"

namespace dcvkit::sandbox {
namespace {

Error plan_error(std::string message) {
  return make_error(ErrorKind::Usage, "sandbox.faults", std::move(message),
                    R"(a fault plan is a JSON array of {"method","path","nth","count","action","status"|"ms"|"name"})");
}

// A non-negative integer field within [min, max], or the default when absent.
Result<std::int64_t> integer_field(const nlohmann::json& rule, const char* key, std::int64_t fallback, std::int64_t min,
                                   std::int64_t max, const std::string& where) {
  if (!rule.contains(key)) return fallback;
  const auto& v = rule[key];
  if (!v.is_number_integer() || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max)
    return plan_error(where + ": \"" + key + "\" must be an integer from " + std::to_string(min) + " to " +
                      std::to_string(max));
  return v.get<std::int64_t>();
}

Result<FaultRule> parse_rule(const nlohmann::json& j, std::size_t index) {
  const std::string where = "fault rule " + std::to_string(index + 1);
  if (!j.is_object()) return plan_error(where + " is not an object");
  static const std::vector<std::string> kKnown = {"method", "path", "nth", "count", "action", "status", "ms", "name"};
  for (const auto& [key, value] : j.items())
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end())
      return plan_error(std::string(where).append(": unknown field \"").append(key).append("\""));
  FaultRule rule;
  for (const char* key : {"method", "path"}) {
    if (j.contains(key) && !j[key].is_string()) return plan_error(where + ": \"" + key + "\" must be a string");
  }
  rule.method = j.value("method", "");
  for (auto& c : rule.method)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  rule.path = j.value("path", "");
  auto nth = integer_field(j, "nth", 1, 1, INT64_MAX, where);
  auto count = integer_field(j, "count", 1, 1, INT64_MAX, where);
  if (!nth) return nth.error();
  if (!count) return count.error();
  rule.nth = static_cast<std::uint64_t>(*nth);
  rule.count = static_cast<std::uint64_t>(*count);
  rule.action.rule = index;

  const std::string action = j.contains("action") && j["action"].is_string() ? j["action"].get<std::string>() : "";
  if (action == "status") {
    auto status = integer_field(j, "status", 0, 100, 599, where);
    if (!status) return status.error();
    if (*status == 0) return plan_error(where + R"(: action "status" needs "status")");
    rule.action.kind = FaultKind::Status;
    rule.action.status = static_cast<int>(*status);
  } else if (action == "delay") {
    auto ms = integer_field(j, "ms", -1, 0, 3'600'000, where);
    if (!ms) return ms.error();
    if (*ms < 0) return plan_error(where + R"(: action "delay" needs "ms")");
    rule.action.kind = FaultKind::Delay;
    rule.action.ms = static_cast<int>(*ms);
  } else if (action == "extra_name") {
    std::optional<std::string> name;
    if (j.contains("name") && j["name"].is_string())
      if (auto canonical = normalize_dns_name(j["name"].get<std::string>())) name = *canonical;
    if (!name) return plan_error(where + R"(: action "extra_name" needs "name", a DNS name)");
    rule.action.kind = FaultKind::ExtraName;
    rule.action.name = *name;
  } else if (action == "close_after_store") {
    rule.action.kind = FaultKind::CloseAfterStore;
  } else if (action == "close_before") {
    rule.action.kind = FaultKind::CloseBefore;
  } else {
    return plan_error(where + ": \"action\" must be status, close_after_store, close_before, delay or extra_name");
  }
  return rule;
}

}  // namespace

Result<std::vector<FaultRule>> parse_fault_plan(std::string_view json_text) {
  auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded()) return plan_error("the fault plan is not valid JSON");
  if (!j.is_array()) return plan_error("the fault plan must be a JSON array");
  std::vector<FaultRule> rules;
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto rule = parse_rule(j[i], i);
    if (!rule) return rule.error();
    rules.push_back(std::move(*rule));
  }
  return rules;
}

Result<std::vector<FaultRule>> load_fault_plan(const std::string& path) {
  auto text = read_file(path, std::size_t{1024} * 1024, "fault plan");
  if (!text) return text.error();
  return parse_fault_plan(*text);
}

std::optional<FaultAction> FaultPlan::next(std::string_view method, std::string_view path) {
  std::lock_guard lock(mutex_);
  std::optional<FaultAction> chosen;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const auto& rule = rules_[i];
    if (!rule.method.empty() && rule.method != "*" && rule.method != method) continue;
    if (!path.starts_with(rule.path)) continue;
    const std::uint64_t n = ++seen_[i];
    if (!chosen && n >= rule.nth && n - rule.nth < rule.count) chosen = rule.action;
  }
  return chosen;
}

}  // namespace dcvkit::sandbox
