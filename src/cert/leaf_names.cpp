// Which names an issued leaf may carry: every ordered one, and beyond them only the one name DV
// products add on their own (docs/ca-rules.md, "Names the CA adds on its own"). A paid
// certificate must not be refused for a name the CA documents adding; any other extra name still
// means a certificate that is not the one ordered.
#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "check/registrable_domain.hpp"
#include "dcvkit/cert_chain.hpp"
#include "dcvkit/names.hpp"
#include "util/strings.hpp"

namespace dcvkit {
namespace {

constexpr std::string_view kWww = "www.";


// "www.N" for N, N for "www.N": the partner the CA adds, unless it would be a public suffix
// ("www.co.uk" does not make "co.uk" issuable).
std::optional<std::string> www_partner(const std::string& name) {
  std::string partner = name.rfind(kWww, 0) == 0 ? name.substr(kWww.size()) : std::string(kWww) + name;
  if (partner.empty() || is_public_suffix(partner)) return std::nullopt;
  return partner;
}

// The partner of the first ordered name that is not a wildcard, when it was not ordered itself.
std::optional<std::string> automatic_addition(const std::vector<std::string>& ordered, const std::set<std::string>& want) {
  for (const auto& raw : ordered) {
    const std::string name = detail::ascii_lower(raw);
    if (is_wildcard(name)) continue;
    auto partner = www_partner(name);
    if (!partner || want.count(*partner)) return std::nullopt;
    return partner;
  }
  return std::nullopt;
}

}  // namespace

LeafNameCheck check_leaf_names(const std::vector<std::string>& ordered, const std::vector<std::string>& leaf_names) {
  std::set<std::string> want, got;
  for (const auto& n : ordered) want.insert(detail::ascii_lower(n));
  for (const auto& n : leaf_names) got.insert(detail::ascii_lower(n));
  LeafNameCheck out;
  for (const auto& n : want)
    if (!got.count(n)) out.missing.push_back(n);
  const auto addition = automatic_addition(ordered, want);
  for (const auto& n : got) {
    if (want.count(n)) continue;
    (addition && n == *addition ? out.added : out.unexpected).push_back(n);
  }
  return out;
}

}  // namespace dcvkit
