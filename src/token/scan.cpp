#include <algorithm>

#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"

namespace dcvkit {

std::vector<std::string> scan_token_candidates(std::string_view text, UnixSeconds now) {
  const int year = to_civil(now).year;
  std::vector<std::pair<std::size_t, std::string>> found;  // position, candidate
  for (int y : {year, year - 1}) {
    const std::string digits = std::to_string(y);
    for (auto pos = text.find(digits); pos != std::string_view::npos; pos = text.find(digits, pos + 1))
      if (pos + kTokenLength <= text.size()) found.emplace_back(pos, std::string(text.substr(pos, kTokenLength)));
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [pos, candidate] : found)
    if (std::find(out.begin(), out.end(), candidate) == out.end()) out.push_back(std::move(candidate));
  return out;
}

}  // namespace dcvkit
