// CAA (RFC 8659, CA/B Forum BR 3.2.2.8): may the CA issue for a name at all? The records found by
// climbing from the name towards the root, and the verdict for a set of CA identities.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dcvkit {

struct CheckResult;

// The issuer domain names DigiCert accepts in CAA for CertCentral orders (its "DNS CAA resource
// record check" page): digicert.com and the brands it issues under.
const std::vector<std::string>& digicert_caa_identities();

struct CaaOptions {
  bool enabled = false;  // the library leaves it to the caller; the CLI checks CAA by default
  std::vector<std::string> identities = digicert_caa_identities();
};

struct CaaRecord {
  std::uint8_t flags = 0;  // 128: critical
  std::string tag;         // as published ("issue", "issuewild", "iodef", ...)
  std::string value;
};

struct CaaObservation {
  std::string name;                 // as checked: "*.example.com" for a wildcard
  std::vector<std::string> asked;   // the owners asked, from the name up, until records or the TLD
  std::string owner;                // where the relevant (first non-empty) CAA set is; empty: none
  std::string via;                  // the CNAME target that held them, if the owner is an alias
  std::vector<CaaRecord> records;   // the relevant set
  // Set when the climb could not be finished: "caa.lookup_failed", "dns.dnssec_bogus".
  std::string error_code;
  std::string error_detail;
};

// An issue/issuewild value (RFC 8659 4.2): issuer-domain-name [";" parameters].
struct CaaIssueValue {
  bool well_formed = false;
  std::string issuer;  // lower case; empty for ";" or an empty value: no CA may issue
  std::vector<std::pair<std::string, std::string>> parameters;
  std::string problem;  // why it is malformed
};
CaaIssueValue parse_caa_issue_value(std::string_view value);

struct CaaVerdict {
  bool ok = false;
  std::string code;     // "ok", "caa.forbidden", "caa.lookup_failed", "dns.dnssec_bogus"
  std::string message;  // which record at which owner; the record to add
};
CaaVerdict judge_caa(const CaaObservation& observation, const std::vector<std::string>& identities);

// Folds the CAA verdict into a DCV verdict: a name that passes DCV fails on CAA; a name that
// already fails keeps its DCV reason and mentions the CAA one too.
void apply_caa(CheckResult& result, const CaaVerdict& caa);

}  // namespace dcvkit
