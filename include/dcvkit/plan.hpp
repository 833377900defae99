// The DCV plan: from a certificate's names and a method, exactly where the CA will look for the
// token (DESIGN §3). Publishing and checking both work from this list, so they cannot disagree.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/error.hpp"

namespace dcvkit {

enum class DcvMethod { Dns, Http };

// "dns-txt-token" / "http-token": the API's names.
std::string_view api_name(DcvMethod method);
// Accepts "dns", "dns-txt-token", "http", "http-token".
std::optional<DcvMethod> parse_dcv_method(std::string_view text);

// Where a DNS token goes: "_dnsauth.<name>" (checked first by the CA) or "<name>" itself.
enum class DnsLocation { DnsAuth, Apex };

// What the published value is. ACME challenges (RFC 8555 §8.3, §8.4) go through the same
// publishers as request tokens: http-01 serves the key authorization at
// http://<name>/.well-known/acme-challenge/<token>, dns-01 puts base64url(SHA-256(key
// authorization)) in TXT at _acme-challenge.<name>.
enum class TokenKind { RequestToken, AcmeHttp01, AcmeDns01 };

// The ACME challenges dcvkit answers (acme::ChallengeType is this type) and `dcvkit check` judges
// as the CA's validation authority would (RFC 8555 §8.3, §8.4).
enum class AcmeChallengeKind { Http01, Dns01 };
// Where a challenge is published and checked: http-01 through the HTTP publishers and lane,
// dns-01 through the DNS ones.
DcvMethod dcv_method_of(AcmeChallengeKind kind);
// "acme-http-01" / "acme-dns-01", the names `dcvkit check --method` takes; nothing for others.
std::optional<AcmeChallengeKind> parse_acme_check_method(std::string_view text);
std::string_view acme_check_method_name(AcmeChallengeKind kind);
TokenKind token_kind(AcmeChallengeKind kind);
// The usage error of a CertCentral command given `text` as its DCV method: an ACME method name
// is told where it belongs.
Error unknown_dcv_method(std::string_view text, std::string_view expected);

struct PlanEntry {
  std::string name;    // the certificate name this entry validates (canonical; may be "*.x" for DNS)
  DcvMethod method = DcvMethod::Dns;
  std::string record;  // DNS: the TXT owner name (no trailing dot); HTTP: the URL
  TokenKind kind = TokenKind::RequestToken;
  // What a person or hook is told: the TXT owner or the URL.
  const std::string& target() const { return record; }
};

struct PlanOptions {
  DcvMethod method = DcvMethod::Dns;
  DnsLocation dns_at = DnsLocation::DnsAuth;
};

inline constexpr std::string_view kFileAuthPath = "/.well-known/pki-validation/fileauth.txt";
inline constexpr std::string_view kAcmeChallengePath = "/.well-known/acme-challenge/";  // + the token (RFC 8555 §8.3)

// Names are validated and canonicalised. DNS: "*.x" validates through "x"; entries that share a
// TXT owner are folded into the first. HTTP: one URL per exact FQDN; a wildcard is refused
// ("plan.wildcard_http"), so is any invalid name or IP address.
Result<std::vector<PlanEntry>> make_plan(const std::vector<std::string>& names, const PlanOptions& options);

std::string dns_record_for(std::string_view canonical_name, DnsLocation at);
std::string http_url_for(std::string_view canonical_name);

// The entry an ACME challenge for `canonical_name` publishes (http-01 needs the challenge token
// for its URL; dns-01 validates "*.x" through "_acme-challenge.x").
PlanEntry acme_http01_entry(std::string_view canonical_name, std::string_view token);
PlanEntry acme_dns01_entry(std::string_view canonical_name);
// "dns-txt-token", "http-token", "acme-http-01" or "acme-dns-01": what a hook or report is told.
std::string_view method_name(const PlanEntry& entry);

}  // namespace dcvkit
