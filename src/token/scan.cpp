#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"

namespace dcvkit {

std::vector<std::string> scan_token_candidates(std::string_view text, UnixSeconds now) {
  const int year = to_civil(now).year;
  // Positions first, candidates as views into `text`: a hostile value (a megabyte of "2026...")
  // costs a few bytes per occurrence, and duplicates are dropped in linear time, not quadratic.
  std::vector<std::size_t> starts;
  for (int y : {year, year - 1}) {
    const std::string digits = std::to_string(y);
    for (auto pos = text.find(digits); pos != std::string_view::npos && pos + kTokenLength <= text.size();
         pos = text.find(digits, pos + 1))
      starts.push_back(pos);
  }
  std::sort(starts.begin(), starts.end());
  std::unordered_set<std::string_view> seen;
  std::vector<std::string> out;
  for (std::size_t pos : starts) {
    const std::string_view candidate = text.substr(pos, kTokenLength);
    if (seen.insert(candidate).second) out.emplace_back(candidate);
  }
  return out;
}

}  // namespace dcvkit
