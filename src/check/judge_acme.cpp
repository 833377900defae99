// ACME challenge observations -> verdicts, as an RFC 8555 validation authority concludes:
// http-01 (§8.3) and dns-01 (§8.4). The fetch and the DNS walk are the request tokens' own; only
// what counts as the right answer differs.
#include <string>

#include "check/judge_parts.hpp"
#include "dcvkit/check.hpp"
#include "util/strings.hpp"

namespace dcvkit {
namespace {

using detail::Failure;
using detail::TextVerdict;

// Boulder (va/http.go, maxResponseSize) reads at most 128 bytes and refuses a body that fills them.
constexpr std::size_t kAcmeBodyLimit = 128;

// The body as the VA compares it: "The server SHOULD ignore whitespace characters at the end of
// the body" (RFC 8555 §8.3). Trailing ASCII whitespace, as Boulder's unicode.IsSpace trims it.
std::string_view without_trailing_whitespace(std::string_view body) {
  const auto end = body.find_last_not_of(" \t\n\r\v\f");
  return end == std::string_view::npos ? std::string_view() : body.substr(0, end + 1);
}

// What a person is shown of a body or a TXT value that is not the expected one.
std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 100;
  std::string out = "\"" + std::string(text.substr(0, kShown)) + "\"";
  if (text.size() > kShown) out += " (" + std::to_string(text.size()) + " bytes)";
  return out;
}

// A result for the observed name, before the verdict.
template <class Observation>
CheckResult started(const Observation& observation, TokenKind kind) {
  CheckResult r;
  r.name = observation.name;
  r.method = kind == TokenKind::AcmeDns01 ? DcvMethod::Dns : DcvMethod::Http;
  r.kind = kind;
  r.elapsed_ms = observation.elapsed_ms;
  return r;
}

void finish_acme(CheckResult& r, const Failure& f) {
  detail::finish(r, f);
  r.hint = std::string(hint_for(r.code, r.kind));
}

// ca-rule: acme-http01-body
CheckResult judge_one_address(const HttpObservation& observation, std::string_view key_authorization) {
  CheckResult r = started(observation, TokenKind::AcmeHttp01);
  if (observation.attempts.empty()) {
    finish_acme(r, {"http.connect_failed", "nothing was fetched for " + observation.name});
    return r;
  }
  const HttpAttempt& attempt = observation.attempts.front();
  r.url = attempt.hops.empty() ? attempt.start_url : attempt.hops.back().url;
  r.address = attempt.hops.empty() ? "" : attempt.hops.back().address;
  Failure f;
  if (!attempt.error_code.empty()) {
    f = {attempt.error_code, attempt.error_detail.empty() ? r.url + ": " + attempt.error_code : attempt.error_detail};
  } else if (const long status = attempt.hops.back().status; status != 200) {
    f = {"acme.http01_status", r.url + " answered " + std::to_string(status) + ": the CA accepts 200 only"};
  } else if (const std::string body = attempt.body + attempt.beyond; body.size() >= kAcmeBodyLimit) {
    f = {"acme.http01_body_too_large", r.url + " sent " + (attempt.beyond.empty() ? "" : "at least ") + std::to_string(body.size()) +
                                           " bytes: the CA reads 127 at most (a key authorization is about 87)"};
  } else if (const std::string_view payload = without_trailing_whitespace(body); payload != key_authorization) {
    r.tokens_found.emplace_back(payload);
    f = {"acme.http01_mismatch", r.url + " serves " + quoted(payload) + ", not the key authorization " + std::string(key_authorization)};
  } else {
    r.token_found = std::string(payload);
    r.message = "the key authorization is at " + r.url;
  }
  finish_acme(r, f);
  return r;
}

}  // namespace

CheckResult judge_acme_http(const HttpObservation& observation, std::string_view key_authorization) {
  if (observation.per_address.empty()) return judge_one_address(observation, key_authorization);
  CheckResult r = detail::judge_every_address(
      observation, [&](const HttpObservation& part) { return judge_one_address(part, key_authorization); });
  r.hint = std::string(hint_for(r.code, r.kind));
  return r;
}

// ca-rule: acme-dns01-value
CheckResult judge_acme_dns(const DnsObservation& observation, std::string_view txt_value) {
  CheckResult r = started(observation, TokenKind::AcmeDns01);
  // Each record whole, its strings joined (Boulder bdns LookupTXT), compared exactly.
  const detail::RecordJudge value{"dns-01 value", [&](const TxtAnswer& a, const std::string& where, TextVerdict& v) {
                                    for (const auto& record : a.values) {
                                      TextVerdict one;
                                      one.candidates.push_back(record);
                                      one.kind = record == txt_value ? TextVerdict::Valid : TextVerdict::Mismatch;
                                      if (one.kind == TextVerdict::Valid) one.token = record;
                                      keep_best(v, std::move(one));
                                    }
                                    if (v.kind == TextVerdict::Valid) return Failure{};
                                    return Failure{"acme.dns01_mismatch", where + " holds other TXT values: " +
                                                                              detail::join(v.candidates, ", ") + " (the CA wants " +
                                                                              std::string(txt_value) + ")"};
                                  }};
  Failure failure;
  TextVerdict best;
  if (observation.owners.empty()) failure = {"dns.no_zone", "nothing was asked for " + observation.name};
  for (const auto& owner : observation.owners) {
    r.owner = owner.owner;
    auto v = detail::judge_owner(owner, value, r.servers);
    if (v.ok) r.message = "the dns-01 value is at " + owner.owner + " on all " + std::to_string(owner.answers.size()) + " authoritative servers";
    else failure = v.failure;
    keep_best(best, std::move(v.best));
  }
  r.tokens_found = best.candidates;
  r.token_found = best.token;
  finish_acme(r, failure);
  return r;
}

}  // namespace dcvkit
