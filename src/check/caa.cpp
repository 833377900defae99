// CAA judgement (RFC 8659 4): which records of the relevant set govern the name, whether one of
// them names the CA, and what to publish when none does.
#include <algorithm>
#include <array>
#include <cctype>

#include "dcvkit/check.hpp"
#include "dcvkit/check_caa.hpp"

namespace dcvkit {
namespace {

constexpr std::uint8_t kCritical = 128;

// Tags the CA understands (RFC 8659, BR Appendix A contactemail/contactphone, RFC 9495 issuemail,
// issuevmc for mark certificates): a critical record with any other tag forbids issuance.
constexpr std::array<std::string_view, 7> kKnownTags = {"issue",        "issuewild", "iodef",   "contactemail",
                                                        "contactphone", "issuemail", "issuevmc"};

// Parameters that bind issuance to an ACME account or ACME validation methods (RFC 8657): a
// CertCentral order has neither, so a record carrying them does not authorise it.
constexpr std::array<std::string_view, 2> kAcmeOnlyParameters = {"accounturi", "validationmethods"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool wsp(char c) { return c == ' ' || c == '\t'; }

// label *("-") ... as RFC 8659 has it: letters and digits, inner hyphens.
bool label_like(std::string_view s) {
  return !s.empty() && alnum(s.front()) && alnum(s.back()) &&
         std::all_of(s.begin(), s.end(), [](char c) { return alnum(c) || c == '-'; });
}

bool domain_like(std::string_view s) {
  for (std::size_t start = 0;;) {
    const std::size_t dot = s.find('.', start);
    if (!label_like(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && wsp(s.back())) s.remove_suffix(1);
  return s;
}

bool is_wildcard(std::string_view name) { return name.substr(0, 2) == "*."; }

std::string shown(const CaaRecord& r) { return std::to_string(r.flags) + " " + r.tag + " \"" + r.value + "\""; }

std::string identities_text(const std::vector<std::string>& identities) {
  std::string out;
  for (const auto& i : identities) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

// ca-rule: caa-identities
const std::vector<std::string>& digicert_caa_identities() {
  static const std::vector<std::string> kIdentities = {"digicert.com",    "www.digicert.com", "digicert.ne.jp",
                                                       "cybertrust.ne.jp", "symantec.com",     "thawte.com",
                                                       "geotrust.com",     "rapidssl.com"};
  return kIdentities;
}

// ca-rule: caa-parameters
CaaIssueValue parse_caa_issue_value(std::string_view value) {
  CaaIssueValue out;
  const std::size_t semi = value.find(';');
  const std::string_view issuer = trim(value.substr(0, semi));
  if (!issuer.empty() && !domain_like(issuer)) {
    out.problem = "\"" + std::string(issuer) + "\" is not a domain name";
    return out;
  }
  out.issuer = lower(issuer);
  if (semi != std::string_view::npos) {
    std::string_view rest = trim(value.substr(semi + 1));
    while (!rest.empty()) {
      const std::size_t end = rest.find(';');
      const std::string_view parameter = trim(rest.substr(0, end));
      const std::size_t eq = parameter.find('=');
      const std::string_view tag = eq == std::string_view::npos ? parameter : trim(parameter.substr(0, eq));
      const std::string_view v = eq == std::string_view::npos ? std::string_view() : trim(parameter.substr(eq + 1));
      // value = *(%x21-3A / %x3C-7E): printable, no space, no ';'.
      if (eq == std::string_view::npos || !label_like(tag) ||
          !std::all_of(v.begin(), v.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
        out.problem = "parameter \"" + std::string(parameter) + "\" is not tag=value";
        return out;
      }
      out.parameters.emplace_back(lower(tag), std::string(v));
      if (end == std::string_view::npos) break;
      rest = trim(rest.substr(end + 1));
    }
  }
  out.well_formed = true;
  return out;
}

// ca-rule: caa-issue, caa-issuewild, caa-empty-value, caa-critical
CaaVerdict judge_caa(const CaaObservation& o, const std::vector<std::string>& identities) {
  CaaVerdict v;
  if (!o.error_code.empty()) {
    v.code = o.error_code;
    v.message = o.error_detail;
    return v;
  }
  const std::string where = o.owner + (o.via.empty() ? "" : " (CNAME to " + o.via + ")");
  if (o.records.empty()) {
    v.ok = true;
    v.code = "ok";
    v.message = "no CAA record from " + (o.asked.empty() ? o.name : o.asked.front()) + " up to " +
                (o.asked.empty() ? o.name : o.asked.back()) + ": any CA may issue";
    return v;
  }
  for (const auto& r : o.records) {
    const std::string tag = lower(r.tag);
    if ((r.flags & kCritical) != 0 && std::find(kKnownTags.begin(), kKnownTags.end(), tag) == kKnownTags.end()) {
      v.code = "caa.forbidden";
      v.message = "CAA at " + where + ": " + shown(r) + " is critical (flag 128) and its tag is unknown to the CA, " +
                  "which then must not issue; remove the record or clear its critical flag";
      return v;
    }
  }
  const bool wildcard = is_wildcard(o.name);
  const bool has_issuewild = std::any_of(o.records.begin(), o.records.end(), [](const CaaRecord& r) { return lower(r.tag) == "issuewild"; });
  const std::string governing = wildcard && has_issuewild ? "issuewild" : "issue";
  std::vector<std::string> refused;
  for (const auto& r : o.records) {
    if (lower(r.tag) != governing) continue;
    const CaaIssueValue parsed = parse_caa_issue_value(r.value);
    std::string why;
    if (!parsed.well_formed) {
      why = "malformed: " + parsed.problem;
    } else if (parsed.issuer.empty()) {
      why = "names no CA: no CA may issue";
    } else if (std::find(identities.begin(), identities.end(), parsed.issuer) == identities.end()) {
      why = "names " + parsed.issuer;
    } else {
      const auto acme = std::find_if(parsed.parameters.begin(), parsed.parameters.end(), [](const auto& p) {
        return std::find(kAcmeOnlyParameters.begin(), kAcmeOnlyParameters.end(), p.first) != kAcmeOnlyParameters.end();
      });
      if (acme == parsed.parameters.end()) {
        v.ok = true;
        v.code = "ok";
        v.message = "CAA at " + where + " allows " + parsed.issuer + ": " + shown(r);
        return v;
      }
      why = "limits " + parsed.issuer + " to ACME (" + acme->first + "), which a CertCentral order is not";
    }
    refused.push_back(shown(r) + " " + why);
  }
  if (refused.empty()) {
    v.ok = true;
    v.code = "ok";
    v.message = "CAA at " + where + " has no " + governing + " record: it does not restrict issuance";
    return v;
  }
  std::string list;
  for (const auto& r : refused) list += (list.empty() ? "" : "; ") + r;
  v.code = "caa.forbidden";
  v.message = "CAA at " + where + " governs " + o.name + " (" + governing + "): " + list +
              "; none allows " + identities_text(identities) + ". Add: " + o.owner + ". CAA 0 " + governing + " \"" +
              (identities.empty() ? std::string("digicert.com") : identities.front()) + "\"";
  return v;
}

void apply_caa(CheckResult& result, const CaaVerdict& caa) {
  if (caa.ok) return;
  if (result.ok) {
    result.ok = false;
    result.code = caa.code;
    result.message = caa.message;
    result.hint = std::string(hint_for(caa.code, result.kind));
    return;
  }
  result.message += "; also " + caa.code + ": " + caa.message;
}

}  // namespace dcvkit
