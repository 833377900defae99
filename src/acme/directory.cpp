// Where the ACME CAs our users meet keep their directories, and what each needs for an account.
#include <array>
#include <tuple>

#include "dcvkit/acme.hpp"
#include "dcvkit/certcentral.hpp"

namespace dcvkit::acme {

const std::vector<DirectoryPreset>& directory_presets() {
  static const std::vector<DirectoryPreset> presets = {
      {"letsencrypt", "https://acme-v02.api.letsencrypt.org/directory", "none"},
      {"letsencrypt-staging", "https://acme-staging-v02.api.letsencrypt.org/directory", "none"},
      {"digicert", "https://acme.digicert.com/v2/acme/directory/", "required (CertCentral > Automation > ACME)"},
      {"zerossl", "https://acme.zerossl.com/v2/DV90", "required (ZeroSSL dashboard > Developer)"},
      {"google", "https://dv.acme-v02.api.pki.goog/directory", "required (gcloud publicca external-account-keys create)"},
      {"jprs", "https://acme.amecert.jprs.jp/DV/getDirectory", "required (from the reseller; expires after 14 days)"},
  };
  return presets;
}

Result<std::string> resolve_directory(std::string_view text) {
  for (const auto& p : directory_presets())
    if (p.name == text) return std::string(p.url);
  // The same URL rules as the CertCentral API: https, or http to this machine only.
  auto url = certcentral::resolve_api_url(text);
  if (!url || text == "us" || text == "eu") {
    std::string names;
    for (const auto& p : directory_presets()) names += (names.empty() ? "" : ", ") + std::string(p.name);
    return make_error(ErrorKind::InvalidInput, "acme.bad_directory",
                      "--directory: '" + std::string(text.substr(0, 80)) +
                          "' is neither a preset nor an https:// URL (http:// only to a loopback address)",
                      "give the CA's ACME directory URL or one of: " + names);
  }
  return std::string(text);  // as given: a directory URL may end in '/', which matters to the CA
}

std::optional<int> parse_revocation_reason(std::string_view text) {
  static constexpr std::array<std::tuple<std::string_view, std::string_view, int>, 5> kReasons{{
      {"unspecified", "unspecified", 0},
      {"keyCompromise", "key_compromise", 1},
      {"affiliationChanged", "affiliation_changed", 3},
      {"superseded", "superseded", 4},
      {"cessationOfOperation", "cessation_of_operation", 5}}};
  for (const auto& [asn1, snake, code] : kReasons)
    if (text == asn1 || text == snake || text == std::to_string(code)) return code;
  return std::nullopt;
}

}  // namespace dcvkit::acme
