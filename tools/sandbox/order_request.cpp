#include "order_request.hpp"

#include <algorithm>

#include "api.hpp"
#include "dcvkit/clock.hpp"
#include "dcvkit/names.hpp"
#include "dcvkit/validity_limit.hpp"
#include "order_csr.hpp"
#include "util/display.hpp"

namespace dcvkit::sandbox {
namespace {

constexpr int kMaxYears = 6;

std::string string_field(const nlohmann::json& object, const char* key, const std::string& fallback,
                         const std::string& error_code) {
  if (!object.contains(key) || object[key].is_null()) return fallback;
  if (!object[key].is_string()) throw ApiError(400, error_code, std::string(key) + " must be a string");
  return object[key].get<std::string>();
}

std::vector<std::string> ordered_names(const nlohmann::json& certificate) {
  std::vector<std::string> raw = {certificate["common_name"].get<std::string>()};
  if (certificate.contains("dns_names") && !certificate["dns_names"].is_null()) {
    const auto& list = certificate["dns_names"];
    if (!list.is_array()) throw ApiError(400, "invalid_dns_name", "certificate.dns_names must be an array of names");
    for (const auto& n : list) {
      if (!n.is_string()) throw ApiError(400, "invalid_dns_name", "certificate.dns_names must hold strings");
      raw.push_back(n.get<std::string>());
    }
  }
  std::vector<std::string> names;
  for (const auto& r : raw) {
    auto name = normalize_dns_name(r);
    // The name as sent is shown shortened and escaped: it may be 10,000 bytes of anything.
    if (!name)
      throw ApiError(400, "invalid_dns_name",
                     "'" + detail::printable(r, 255) + "' is not a valid DNS name: " + name.error().message);
    if (std::find(names.begin(), names.end(), *name) == names.end()) names.push_back(std::move(*name));
  }
  return names;
}

// order_validity {days} (1-199, and no more than the CA/B Forum limit of the day: 100 from
// 2027-03-15, 47 from 2029-03-15) or {years} / validity_years (1-6: a subscription whose
// certificates last that longest validity each).
int validity_days(const nlohmann::json& body) {
  auto bad = [](const std::string& why) { return ApiError(400, "invalid_order_validity", why); };
  const ValidityLimit rule = max_validity(system_clock().now());
  const int longest = std::min(kMaxValidityDays, rule.days);
  const std::string why_longest =
      longest < kMaxValidityDays ? " (the CA/Browser Forum limit from " + rule.since + ")" : " (the DV maximum)";
  auto years = [&](const nlohmann::json& v) {
    if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > kMaxYears)
      throw bad("years must be an integer from 1 to " + std::to_string(kMaxYears));
    return longest;
  };
  if (body.contains("order_validity") && !body["order_validity"].is_null()) {
    const auto& v = body["order_validity"];
    if (!v.is_object()) throw bad(R"(order_validity must be an object: {"days":N} or {"years":N})");
    if (v.contains("days")) {
      const auto& d = v["days"];
      if (!d.is_number_integer() || d.get<long long>() < 1 || d.get<long long>() > longest)
        throw bad("order_validity.days must be an integer from 1 to " + std::to_string(longest) + why_longest);
      return static_cast<int>(d.get<long long>());
    }
    if (v.contains("years")) return years(v["years"]);
    throw bad("order_validity needs days or years");
  }
  if (body.contains("validity_years") && !body["validity_years"].is_null()) return years(body["validity_years"]);
  return longest;
}

}  // namespace

bool is_token_method(const std::string& dcv_method) {
  return dcv_method == "dns-txt-token" || dcv_method == "http-token";
}

OrderRecord parse_order_request(const nlohmann::json& body) {
  if (!body.contains("certificate") || !body["certificate"].is_object())
    throw ApiError(400, "missing_field|certificate", "the order needs a certificate object");
  const auto& certificate = body["certificate"];
  OrderRecord order;
  order.csr = string_field(certificate, "csr", "", "invalid_csr");
  if (order.csr.empty()) throw ApiError(400, "invalid_csr", "certificate.csr is missing");
  load_order_csr(order.csr);
  if (!certificate.contains("common_name") || !certificate["common_name"].is_string() ||
      certificate["common_name"].get<std::string>().empty())
    throw ApiError(400, "missing_field|certificate.common_name", "certificate.common_name is missing");
  order.names = ordered_names(certificate);
  order.common_name = order.names.front();
  order.validity_days = validity_days(body);

  static const std::vector<std::string> kMethods = {"email", "dns-txt-token", "dns-cname-token", "http-token"};
  order.dcv_method = string_field(body, "dcv_method", "email", "invalid_dcv_method");
  if (std::find(kMethods.begin(), kMethods.end(), order.dcv_method) == kMethods.end())
    throw ApiError(400, "invalid_dcv_method", "dcv_method must be one of email, dns-txt-token, dns-cname-token, http-token");

  static const std::vector<std::string> kHashes = {"sha256", "sha384", "sha512"};
  order.signature_hash = string_field(certificate, "signature_hash", "sha256", "invalid_signature_hash");
  if (std::find(kHashes.begin(), kHashes.end(), order.signature_hash) == kHashes.end())
    throw ApiError(400, "invalid_signature_hash", "signature_hash must be sha256, sha384 or sha512");

  if (body.contains("use_auth_key") && !body["use_auth_key"].is_null() && !body["use_auth_key"].is_boolean())
    throw ApiError(400, "invalid_field|use_auth_key", "use_auth_key must be true or false");
  order.use_auth_key = body.contains("use_auth_key") && body["use_auth_key"].is_boolean() && body["use_auth_key"].get<bool>();
  return order;
}

}  // namespace dcvkit::sandbox
