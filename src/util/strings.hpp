// The two string chores every module had its own copy of. Host names, header names, schemes and
// algorithm names compare in ASCII only (IDNA names are A-labels by then), so no locale is involved.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dcvkit::detail {

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The items with `separator` between them; an empty item adds no separator before the next.
inline std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// A file's (or variable's) bytes minus at most one trailing line ending ("\r\n" or "\n"): a secret
// saved by an editor keeps everything else.
inline std::string without_line_ending(std::string s) {
  if (s.size() >= 2 && s.compare(s.size() - 2, 2, "\r\n") == 0)
    s.resize(s.size() - 2);
  else if (!s.empty() && s.back() == '\n')
    s.pop_back();
  return s;
}

}  // namespace dcvkit::detail
