#include "dcvkit/plan.hpp"

#include <algorithm>

#include "dcvkit/names.hpp"

namespace dcvkit {

std::string_view api_name(DcvMethod method) { return method == DcvMethod::Dns ? "dns-txt-token" : "http-token"; }

std::optional<DcvMethod> parse_dcv_method(std::string_view text) {
  if (text == "dns" || text == "dns-txt-token") return DcvMethod::Dns;
  if (text == "http" || text == "http-token") return DcvMethod::Http;
  return std::nullopt;
}

std::optional<AcmeChallengeKind> parse_acme_check_method(std::string_view text) {
  if (text == "acme-http-01") return AcmeChallengeKind::Http01;
  if (text == "acme-dns-01") return AcmeChallengeKind::Dns01;
  return std::nullopt;
}

std::string_view acme_check_method_name(AcmeChallengeKind kind) {
  return kind == AcmeChallengeKind::Http01 ? "acme-http-01" : "acme-dns-01";
}

DcvMethod dcv_method_of(AcmeChallengeKind kind) {
  return kind == AcmeChallengeKind::Http01 ? DcvMethod::Http : DcvMethod::Dns;
}

TokenKind token_kind(AcmeChallengeKind kind) {
  return kind == AcmeChallengeKind::Http01 ? TokenKind::AcmeHttp01 : TokenKind::AcmeDns01;
}

Error unknown_dcv_method(std::string_view text, std::string_view expected) {
  if (parse_acme_check_method(text))
    return make_error(ErrorKind::Usage, "usage.invalid", "--method " + std::string(text) + " is an ACME challenge, not a CertCentral DCV method",
                      "order from an ACME CA with dcvkit acme order --challenge http-01|dns-01; dcvkit check --method " +
                          std::string(text) + " pre-checks one");
  return make_error(ErrorKind::Usage, "usage.invalid", "--method must be " + std::string(expected),
                    "dns = dns-txt-token, http = http-token");
}

std::string dns_record_for(std::string_view canonical_name, DnsLocation at) {
  const std::string base(wildcard_base(canonical_name));
  return at == DnsLocation::DnsAuth ? "_dnsauth." + base : base;
}

std::string http_url_for(std::string_view canonical_name) {
  return "http://" + std::string(canonical_name) + std::string(kFileAuthPath);
}

PlanEntry acme_http01_entry(std::string_view canonical_name, std::string_view token) {
  PlanEntry e;
  e.name = std::string(canonical_name);
  e.method = DcvMethod::Http;
  e.kind = TokenKind::AcmeHttp01;
  e.record = "http://" + e.name + std::string(kAcmeChallengePath) + std::string(token);
  return e;
}

PlanEntry acme_dns01_entry(std::string_view canonical_name) {
  PlanEntry e;
  e.name = std::string(canonical_name);
  e.method = DcvMethod::Dns;
  e.kind = TokenKind::AcmeDns01;
  e.record = "_acme-challenge." + std::string(wildcard_base(canonical_name));
  return e;
}

std::string_view method_name(const PlanEntry& entry) {
  switch (entry.kind) {
    case TokenKind::AcmeHttp01: return "acme-http-01";
    case TokenKind::AcmeDns01: return "acme-dns-01";
    case TokenKind::RequestToken: break;
  }
  return api_name(entry.method);
}

Result<std::vector<PlanEntry>> make_plan(const std::vector<std::string>& names, const PlanOptions& options) {
  if (names.empty())
    return make_error(ErrorKind::InvalidInput, "plan.no_names", "there are no names to validate",
                      "give the CSR, or --name NAME (repeatable), or --names-file FILE");
  std::vector<PlanEntry> plan;
  plan.reserve(names.size());
  for (const auto& raw : names) {
    auto name = normalize_dns_name(raw);
    if (!name) return name.error();
    PlanEntry e;
    e.method = options.method;
    if (options.method == DcvMethod::Http) {
      if (is_wildcard(*name))
        return make_error(ErrorKind::InvalidInput, "plan.wildcard_http",
                          "'" + *name + "' is a wildcard: the CA cannot validate wildcards over HTTP",
                          "use --method dns (dns-txt-token) for wildcard names");
      e.record = http_url_for(*name);
    } else {
      e.record = dns_record_for(*name, options.dns_at);
    }
    e.name = std::move(*name);
    // Folded on the record: "*.x" and "x" share one TXT owner; "X" and "x." are one URL.
    if (std::none_of(plan.begin(), plan.end(), [&](const PlanEntry& p) { return p.record == e.record; }))
      plan.push_back(std::move(e));
  }
  return plan;
}

}  // namespace dcvkit
