#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/token_report.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"

namespace dcvkit::cli {

// Exit status follows the token's status at --at, so `dcvkit token inspect T && order` works.
int cmd_token_inspect(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Show a token's timestamp, validity window (30 days) and status.\n"
                                    "Exit 0 when valid at --at, 7 when expired, 8 when not yet valid, 5 when malformed.");
  options.add_options()
      ("token", "The 64-character request token", cxxopts::value<std::string>(), "TOKEN")
      ("at", "Judge the status at this time instead of now", cxxopts::value<std::string>(), "TIME")
      ("json", "Print one JSON object");
  options.parse_positional({"token"});
  options.positional_help("TOKEN");
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;
  if (!args->count("token")) return out.fail(usage_error("no token given", "dcvkit token inspect TOKEN"));

  auto at = args->count("at") ? parse_time_option(*args, "at", system_clock()) : Result<UnixSeconds>(system_clock().now());
  if (!at) return out.fail(at.error());
  auto token = parse_token(args->operator[]("token").as<std::string>());
  if (!token) return out.fail(token.error());
  const TokenInspection info = inspect_token(token->timestamp, *at);

  if (out.json()) {
    nlohmann::json j = window_json(info);
    j["token"] = token->text;
    j["timestamp"] = format_compact_timestamp(token->timestamp);
    j["at"] = format_iso8601(*at);
    out.print(j);
  } else {
    std::cout << "Token:       " << token->text << "\n"
              << "Timestamp:   " << format_iso8601(token->timestamp) << "\n"
              << "Valid from:  " << format_iso8601(info.valid_from) << "\n"
              << "Valid until: " << format_iso8601(info.valid_until) << "\n"
              << "Status:      " << status_text(info) << " (at " << format_iso8601(*at) << ")\n";
  }
  switch (info.status) {
    case TokenStatus::Valid: return kExitOk;
    case TokenStatus::Expired: return kExitTokenExpired;
    case TokenStatus::NotYetValid: return kExitTokenNotYetValid;
  }
  return kExitOk;
}

}  // namespace dcvkit::cli
