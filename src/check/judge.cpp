// Observations -> verdicts. When a name fails in several ways (two owners, several servers, https
// and http), the report names the failure closest to success: that is the one a person fixes.
#include <algorithm>
#include <optional>

#include "check/judge_parts.hpp"
#include "check/text_verdict.hpp"
#include "dcvkit/check.hpp"
#include "dcvkit/time.hpp"
#include "util/strings.hpp"

namespace dcvkit {
namespace detail {

bool Failure::better_than(const Failure& other) const {
  return other.code.empty() || reason_rank(code) > reason_rank(other.code);
}

}  // namespace detail

namespace {

using detail::Failure;
using detail::TextVerdict;

// MpicFileService.getPrimaryOnlyFileResponse: the first URL that answers 2xx is the one judged.
constexpr const char* kHttpsJudgedAlone =
    "the CA judged this https answer alone and does not try http:// once https answers 2xx: a default https "
    "vhost or a catch-all app answering 200 for every path, or a stale file on the https document root, hides the "
    "http file; serve the token over https too";

std::string list_tokens(const std::vector<std::string>& tokens) {
  std::string out;
  for (std::size_t i = 0; i < tokens.size() && i < 3; ++i) out += (i ? ", " : "") + tokens[i];
  if (tokens.size() > 3) out += " and " + std::to_string(tokens.size() - 3) + " more";
  return out;
}

// A text verdict that is not a pass, as a failure at `where`.
Failure text_failure(const TextVerdict& v, const TokenExpectation& expected, const std::string& where, bool dns) {
  switch (v.kind) {
    case TextVerdict::Expired:
      return {"token.expired", "the token at " + where + " expired at " + format_iso8601(v.window.valid_until)};
    case TextVerdict::NotYetValid:
      return {"token.not_yet_valid", "the token at " + where + " starts at " + format_iso8601(v.window.valid_from) +
                                         " (the CA rejects future tokens)"};
    case TextVerdict::Mismatch:
      return {expected.csr_based() ? "token.wrong_csr" : (dns ? "dns.token_mismatch" : "http.token_mismatch"),
              where + " holds other tokens: " + list_tokens(v.candidates)};
    default:
      return {dns ? "dns.no_txt" : "http.no_token", dns ? "no TXT record with a token at " + where : where + " holds no token"};
  }
}

// A token that only appears once a record's strings are joined: the CA reads the strings
// separately ("abc" "def"), so it never sees that token.
std::optional<Failure> split_token(const TxtAnswer& a, const TokenExpectation& expected, UnixSeconds now,
                                   const std::string& where) {
  for (std::size_t i = 0; i < a.values.size() && i < a.rendered.size(); ++i) {
    auto joined = detail::judge_text(a.values[i], expected, now);
    if (joined.kind == TextVerdict::Valid)
      return Failure{"dns.token_split", "the token at " + where + " is split across the TXT record's strings (" +
                                            a.rendered[i].substr(0, 160) +
                                            "): the CA reads each string apart and does not join them"};
  }
  return std::nullopt;
}

std::string server_label(const TxtAnswer& a) { return a.ns_name.empty() ? a.server : a.ns_name + " (" + a.server + ")"; }

}  // namespace

namespace detail {

OwnerVerdict judge_owner(const OwnerObservation& o, const RecordJudge& records, std::vector<std::string>& server_lines) {
  OwnerVerdict out;
  const std::string owner = o.queried.empty() || o.queried == o.owner ? o.owner : o.owner + " (CNAME to " + o.queried + ")";
  if (!o.error_code.empty()) {
    out.failure = {o.error_code, owner + ": " + o.error_detail};
    server_lines.push_back(owner + ": " + o.error_code + " " + o.error_detail);
    return out;
  }
  if (o.answers.empty()) {
    out.failure = {"dns.no_ns", owner + ": no authoritative server to ask in zone " + o.zone};
    return out;
  }
  std::vector<std::string> passed, lacking;
  Failure worst_server;  // the most informative failure among servers
  for (const auto& a : o.answers) {
    const std::string where = owner + " on " + server_label(a);
    Failure f;
    TextVerdict v;
    if (a.rcode == "NOERROR" && !a.values.empty()) {
      f = records.judge(a, where, v);
    } else if (a.not_authoritative) {
      f = {"dns.not_authoritative", server_label(a) + " answered " + a.rcode + " for " + o.queried +
                                        " without authority (no AA bit: a referral, or it does not serve " + o.zone + ")"};
    } else if (a.rcode == "NOERROR") {
      f = {"dns.no_txt", "no TXT record at " + where};
    } else if (a.rcode == "NXDOMAIN") {
      f = {"dns.nxdomain", o.queried + " does not exist (NXDOMAIN) on " + server_label(a)};
    } else if (a.rcode == "TIMEOUT") {
      f = {"dns.timeout", server_label(a) + " did not answer for " + o.queried + (a.problem.empty() ? "" : ": " + a.problem)};
    } else if (a.rcode == "MALFORMED") {
      f = {"dns.malformed_answer", server_label(a) + " sent a malformed answer for " + o.queried +
                                       (a.problem.empty() ? "" : ": " + a.problem)};
    } else if (a.rcode == "REFUSED") {
      f = {"dns.refused", server_label(a) + " refused to answer for " + o.queried};
    } else {
      f = {"dns.servfail", server_label(a) + " answered " + a.rcode + " for " + o.queried};
    }
    server_lines.push_back(server_label(a) + " " + o.queried + ": " + a.rcode + (a.not_authoritative ? " (not authoritative)" : "") +
                           ", " + std::to_string(a.values.size()) + " TXT, " + (f.code.empty() ? "valid " + std::string(records.what) : f.code));
    keep_best(out.best, std::move(v));
    if (f.code.empty()) {
      passed.push_back(server_label(a));
    } else {
      lacking.push_back(server_label(a) + ": " + f.code);
      if (f.better_than(worst_server)) worst_server = f;
    }
  }
  if (o.dnssec == "bogus") {
    // Every server may hold the token: the CA's validating resolver still cannot use the answer.
    out.failure = {"dns.dnssec_bogus", "the TXT set at " + owner + " fails DNSSEC validation: " + o.dnssec_detail};
    server_lines.push_back(owner + ": DNSSEC bogus: " + o.dnssec_detail);
  } else if (lacking.empty()) {
    out.ok = true;
  } else if (!passed.empty()) {
    std::string ok_list, bad_list;
    for (const auto& p : passed) ok_list += (ok_list.empty() ? "" : ", ") + p;
    for (const auto& l : lacking) bad_list += (bad_list.empty() ? "" : "; ") + l;
    out.failure = {"dns.partial_propagation",
                   "the " + std::string(records.what) + " at " + owner + " is on " + ok_list + " but not on " + bad_list};
  } else {
    out.failure = worst_server;
  }
  return out;
}

void finish(CheckResult& r, const Failure& f) {
  r.ok = f.code.empty();
  r.code = r.ok ? "ok" : f.code;
  r.message = r.ok ? r.message : f.message;
  r.hint = std::string(hint_for(r.code));
}

}  // namespace detail

using detail::finish;

CheckResult judge_dns(const DnsObservation& observation, const TokenExpectation& expected, UnixSeconds now) {
  CheckResult r;
  r.name = observation.name;
  r.method = DcvMethod::Dns;
  r.elapsed_ms = observation.elapsed_ms;
  Failure best_failure;
  TextVerdict best;
  // Each TXT record as the CA's library renders it, scanned for tokens.
  const detail::RecordJudge tokens{"token", [&](const TxtAnswer& a, const std::string& where, TextVerdict& v) {
                                     const auto& scanned = a.rendered.empty() ? a.values : a.rendered;
                                     for (const auto& value : scanned) keep_best(v, detail::judge_text(value, expected, now));
                                     if (v.kind == TextVerdict::Valid) return Failure{};
                                     return split_token(a, expected, now, where).value_or(text_failure(v, expected, where, true));
                                   }};
  for (const auto& owner : observation.owners) {
    auto v = detail::judge_owner(owner, tokens, r.servers);
    if (v.ok && !r.ok) {
      r.ok = true;
      r.token_found = v.best.token;
      r.valid_until = v.best.window.valid_until;
      r.message = "a valid token is at " + owner.owner + " on all " + std::to_string(owner.answers.size()) +
                  " authoritative servers";
    }
    if (!v.ok && v.failure.better_than(best_failure)) best_failure = v.failure;
    keep_best(best, std::move(v.best));
  }
  r.tokens_found = best.candidates;
  if (observation.owners.empty()) best_failure = {"dns.no_zone", "nothing was asked for " + observation.name};
  if (!r.ok) {
    if (!best.token.empty()) {
      r.token_found = best.token;
      r.valid_until = best.window.valid_until;
    }
    finish(r, best_failure);
  } else {
    finish(r, {});
  }
  return r;
}

namespace detail {

// --all-addresses: the CA corroborates from several network perspectives, each of which may reach
// another node of a pool, so the name passes only when every address serves the token.
CheckResult judge_every_address(const HttpObservation& observation,
                                const std::function<CheckResult(const HttpObservation&)>& judge_one) {
  std::vector<CheckResult> parts;
  std::vector<std::string> served, lacking;
  const CheckResult* worst = nullptr;
  const CheckResult* passed = nullptr;
  for (const auto& part : observation.per_address) {
    auto& p = parts.emplace_back(judge_one(part));
    p.address = part.address;
    (p.ok ? served : lacking).push_back(p.ok ? part.address : part.address + " (" + p.code + ")");
  }
  for (const auto& p : parts) {
    if (p.ok && passed == nullptr) passed = &p;
    if (!p.ok && (worst == nullptr || Failure{p.code, ""}.better_than(Failure{worst->code, ""}))) worst = &p;
  }
  // No failure: every part passed, the first (parts is never empty here) stands for them.
  CheckResult r = worst != nullptr ? *worst : parts.front();
  r.name = observation.name;
  r.address = observation.address;
  r.elapsed_ms = observation.elapsed_ms;
  for (const auto& p : parts) r.servers.push_back(p.address + ": " + (p.ok ? "valid token at " + p.url : p.code + " " + p.message));
  if (worst == nullptr) {
    r.message = "a valid token is served from all " + std::to_string(parts.size()) + " addresses (" + detail::join(served, ", ") + ")";
  } else if (passed != nullptr) {
    r.code = "http.partial_addresses";
    r.message = "the token is served from " + detail::join(served, ", ") + " but not from " + detail::join(lacking, "; ") +
                "; from " + worst->address + ": " + worst->message;
    r.hint = std::string(hint_for(r.code));
    r.token_found = passed->token_found;
    r.valid_until = passed->valid_until;
  } else {
    r.message = "from every address (" + detail::join(lacking, "; ") + "); from " + worst->address + ": " + worst->message;
  }
  return r;
}

}  // namespace detail

CheckResult judge_http(const HttpObservation& observation, const TokenExpectation& expected, UnixSeconds now) {
  if (!observation.per_address.empty())
    return detail::judge_every_address(observation, [&](const HttpObservation& part) { return judge_http(part, expected, now); });
  CheckResult r;
  r.name = observation.name;
  r.method = DcvMethod::Http;
  r.elapsed_ms = observation.elapsed_ms;
  Failure best_failure;
  std::string failure_url;
  bool https_body_judged = false;  // the failure is about a 2xx https body: http was never asked
  TextVerdict best;
  for (const auto& attempt : observation.attempts) {
    const std::string url = attempt.hops.empty() ? attempt.start_url : attempt.hops.back().url;
    Failure f;
    if (!attempt.error_code.empty()) {
      f = {attempt.error_code, attempt.error_detail.empty() ? url + ": " + attempt.error_code : attempt.error_detail};
    } else {
      auto v = detail::judge_text(attempt.body, expected, now);
      if (v.kind == TextVerdict::Valid) {
        r.ok = true;
        r.url = url;
        r.address = attempt.hops.empty() ? "" : attempt.hops.back().address;
        r.token_found = v.token;
        r.valid_until = v.window.valid_until;
        r.message = "a valid token is at " + url;
      } else {
        auto further = detail::judge_text(attempt.body + attempt.beyond, expected, now);
        f = further.kind == TextVerdict::Valid && !attempt.beyond.empty()
                ? Failure{"http.body_too_large", "the token at " + url + " starts after the first " +
                                                     std::to_string(attempt.body.size()) + " characters the CA reads"}
                : text_failure(v, expected, url, false);
      }
      keep_best(best, std::move(v));
    }
    if (r.ok) break;
    if (f.better_than(best_failure)) {
      best_failure = f;
      failure_url = url;
      r.address = attempt.hops.empty() ? "" : attempt.hops.back().address;
      https_body_judged = attempt.error_code.empty() && attempt.start_url.rfind("https://", 0) == 0;
    }
  }
  r.tokens_found = best.candidates;
  if (r.ok) {
    finish(r, {});
    return r;
  }
  if (observation.attempts.empty()) best_failure = {"http.connect_failed", "nothing was fetched for " + observation.name};
  r.url = failure_url;
  if (!best.token.empty()) {
    r.token_found = best.token;
    r.valid_until = best.window.valid_until;
  }
  finish(r, best_failure);
  if (https_body_judged) {
    r.message += " (https answered 2xx, so http:// was not tried)";
    r.hint += std::string(r.hint.empty() ? "" : "; ") + kHttpsJudgedAlone;
  }
  return r;
}

}  // namespace dcvkit
