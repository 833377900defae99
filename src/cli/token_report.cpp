#include "cli/token_report.hpp"

#include "dcvkit/time.hpp"

namespace dcvkit::cli {

nlohmann::json window_json(const TokenInspection& info) {
  return {{"valid_from", format_iso8601(info.valid_from)},
          {"valid_until", format_iso8601(info.valid_until)},
          {"status", to_string(info.status)},
          {"seconds_left", info.seconds_left},
          {"seconds_until_valid", info.seconds_until_valid}};
}

std::string status_text(const TokenInspection& info) {
  switch (info.status) {
    case TokenStatus::Valid: return "valid, " + format_duration(info.seconds_left) + " left";
    case TokenStatus::Expired: return "expired at " + format_iso8601(info.valid_until);
    case TokenStatus::NotYetValid:
      return "not yet valid: starts " + format_iso8601(info.valid_from) + ", in " +
             format_duration(info.seconds_until_valid);
  }
  return "";
}

std::string window_warning(const TokenInspection& info) {
  if (info.status == TokenStatus::Expired)
    return "this token expired at " + format_iso8601(info.valid_until) + ": the CA will not accept it";
  if (info.status == TokenStatus::NotYetValid)
    return "this token is not valid until " + format_iso8601(info.valid_from) +
           ": the CA rejects it before then (no clock skew allowance)";
  return "";
}

}  // namespace dcvkit::cli
