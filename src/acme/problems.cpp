// ACME problem documents (RFC 8555 §6.7) as dcvkit errors: one stable code per problem type, the
// CA's own detail in the message, and a hint for what the person can do about it.
#include <nlohmann/json.hpp>

#include "dcvkit/acme.hpp"

namespace dcvkit::acme {
namespace {

constexpr std::string_view kAcmeNs = "urn:ietf:params:acme:error:";

struct Meaning {
  std::string_view type;
  ErrorKind kind;
  std::string_view hint;
};

// clang-format off
constexpr Meaning kMeanings[] = {
  {"accountDoesNotExist", ErrorKind::ApiAuth, "this account key has no account at the CA: run 'dcvkit acme register' first"},
  {"alreadyRevoked", ErrorKind::ApiRejected, "the certificate is already revoked; nothing to do"},
  {"badCSR", ErrorKind::InvalidInput, "the CA refused the CSR (key too short or of a type it does not take, or names it cannot issue): make a new one with 'dcvkit csr new'"},
  {"badNonce", ErrorKind::Network, "the CA kept refusing fresh nonces; try again, and if it persists the CA (or a proxy in between) is misbehaving"},
  {"badPublicKey", ErrorKind::InvalidInput, "the CA does not accept this key type: use --key-type p256 or rsa2048"},
  {"badRevocationReason", ErrorKind::Usage, "give a --reason the CA accepts: 0 unspecified, 1 keyCompromise, 3 affiliationChanged, 4 superseded, 5 cessationOfOperation"},
  {"badSignatureAlgorithm", ErrorKind::InvalidInput, "the CA does not accept this account key's algorithm: make an ES256 (P-256) account key"},
  {"caa", ErrorKind::CheckFailed, "a CAA record forbids this CA for the name: add the CA's issuer domain to the CAA record (or remove the CAA record)"},
  {"compound", ErrorKind::ApiRejected, "several problems: see each name's problem above"},
  {"connection", ErrorKind::CheckFailed, "the CA could not connect to the name: check that it resolves to this server and that port 80 (http-01) is open from the internet"},
  {"dns", ErrorKind::CheckFailed, "the CA's DNS lookup failed: check the name's delegation and that every authoritative server answers (dcvkit check)"},
  {"externalAccountRequired", ErrorKind::ApiAuth, "this CA requires External Account Binding: pass --eab-kid ID and --eab-hmac-key-file FILE with the credentials from the CA's account console"},
  {"incorrectResponse", ErrorKind::CheckFailed, "the CA fetched the challenge but found another value: check the webroot (or DNS zone) serves what dcvkit published, and that no other server answers for the name"},
  {"invalidContact", ErrorKind::Usage, "the CA refused a contact address: give real e-mail addresses (--email), no duplicates"},
  {"malformed", ErrorKind::ApiRejected, "the CA refused the request as malformed; the detail says why"},
  {"orderNotReady", ErrorKind::NotIssued, "the order is not ready to finalize: every authorization must be valid first"},
  {"rateLimited", ErrorKind::RateLimited, "the CA's rate limit was reached: wait (see the CA's rate-limit documentation) before ordering again"},
  {"rejectedIdentifier", ErrorKind::ApiRejected, "the CA will not issue for this name (policy or blocklist): remove it from the order"},
  {"serverInternal", ErrorKind::Network, "the CA had an internal error: try again later"},
  {"tls", ErrorKind::CheckFailed, "the CA's TLS connection to the name failed"},
  {"unauthorized", ErrorKind::ApiAuth, "the CA refused: this account may not do this (a certificate of another account, or a name it may not order)"},
  {"unsupportedContact", ErrorKind::Usage, "the CA accepts only mailto: contacts: give --email addresses"},
  {"unsupportedIdentifier", ErrorKind::ApiRejected, "the CA does not issue for this kind of identifier (IP addresses, for example)"},
  {"userActionRequired", ErrorKind::ApiAuth, "the CA needs you to act first (for example, agree to new terms): visit the URL in the detail"},
};
// clang-format on

// JPRS answers an expired or wrong EAB with `malformed` "Unable to create account" (its EAB
// credentials expire 14 days after they are issued); Pebble and Boulder say `unauthorized`
// "external account binding ...".
bool looks_like_eab_refusal(const Problem& p, std::string_view during) {
  const std::string t = p.short_type();
  return (t == "malformed" || t == "unauthorized") && during.find("account") != std::string_view::npos &&
         (p.detail.find("Unable to create account") != std::string::npos ||
          p.detail.find("xternal account") != std::string::npos || p.detail.find("EAB") != std::string::npos ||
          p.detail.find("HMAC") != std::string::npos);
}

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Problem from_json(const nlohmann::json& j) {
  Problem p;
  p.type = str(j, "type");
  p.detail = str(j, "detail");
  if (auto s = j.find("status"); s != j.end() && s->is_number_integer()) p.status = s->get<long>();
  if (auto id = j.find("identifier"); id != j.end() && id->is_object()) p.identifier = str(*id, "value");
  if (auto subs = j.find("subproblems"); subs != j.end() && subs->is_array())
    for (const auto& sub : *subs)
      if (sub.is_object()) p.subproblems.push_back(from_json(sub));
  return p;
}

}  // namespace

std::string Problem::short_type() const {
  return type.rfind(kAcmeNs, 0) == 0 ? type.substr(kAcmeNs.size()) : type;
}

Result<Problem> parse_problem(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("type"))
    return make_error(ErrorKind::Network, "acme.bad_answer", "the CA's error answer is not a problem document",
                      "run with -v to see the answer");
  return from_json(j);
}

Error problem_error(const Problem& problem, std::string_view during) {
  const std::string short_type = problem.short_type();
  ErrorKind kind = ErrorKind::ApiRejected;
  std::string hint = "see the CA's documentation of this problem type";
  for (const auto& m : kMeanings) {
    if (m.type == short_type) {
      kind = m.kind;
      hint = m.hint;
    }
  }
  if (looks_like_eab_refusal(problem, during)) {
    kind = ErrorKind::ApiAuth;
    hint = "the CA refused the External Account Binding: check --eab-kid and the HMAC key; JPRS's EAB credentials "
           "expire 14 days after they are issued, so ask the reseller for new ones if they are older";
  }
  std::string message = during.empty() ? std::string("the CA refused") : std::string(during) + ": the CA refused";
  message += " (" + short_type + ")";
  if (!problem.detail.empty()) message += ": " + problem.detail;
  for (const auto& sub : problem.subproblems) {
    message += "\n  " + (sub.identifier.empty() ? std::string("-") : sub.identifier) + ": " + sub.short_type();
    if (!sub.detail.empty()) message += ": " + sub.detail;
  }
  const bool known = short_type.find(':') == std::string::npos && !short_type.empty();
  return make_error(kind, "acme." + (known ? short_type : std::string("problem")), std::move(message), std::move(hint));
}

const Challenge* Authorization::challenge(std::string_view type) const {
  for (const auto& c : challenges)
    if (c.type == type) return &c;
  return nullptr;
}

}  // namespace dcvkit::acme
