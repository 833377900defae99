// The one check every publisher makes on what it is asked to publish.
#include <string>

#include "dcvkit/acme_jose.hpp"
#include "dcvkit/publish.hpp"
#include "dcvkit/token.hpp"

namespace dcvkit {
namespace {

constexpr std::size_t kDigestChars = 43;  // base64url of 32 bytes, unpadded
constexpr std::string_view kChallengePath = "/.well-known/acme-challenge/";

Error bad_value(std::string message, std::string hint) {
  return make_error(ErrorKind::InvalidInput, "publish.invalid_token", std::move(message), std::move(hint));
}

}  // namespace

Status check_publish_value(const PlanEntry& entry, std::string_view value) {
  switch (entry.kind) {
    case TokenKind::RequestToken:
      if (auto parsed = parse_token(value); !parsed)
        return bad_value(parsed.error().message, "pass the 64-character request token exactly as dcvkit printed it");
      return {};
    case TokenKind::AcmeDns01:
      if (value.size() != kDigestChars || !acme::is_valid_token(value))
        return bad_value("'" + entry.name + "': an ACME dns-01 value is 43 base64url characters",
                         "publish acme::dns01_txt_value(key authorization)");
      return {};
    case TokenKind::AcmeHttp01: {
      const auto dot = value.find('.');
      const auto at = entry.record.rfind(kChallengePath);
      const std::string_view token = value.substr(0, dot);
      if (dot == std::string_view::npos || at == std::string::npos || !acme::is_valid_token(token) ||
          !acme::is_valid_token(value.substr(dot + 1)) ||
          entry.record.substr(at + kChallengePath.size()) != token)
        return bad_value("'" + entry.name + "': not a key authorization for the challenge at " + entry.record,
                         "publish acme::key_authorization(token, account key) for that token");
      return {};
    }
  }
  return bad_value("unknown kind of value", "");
}

}  // namespace dcvkit
