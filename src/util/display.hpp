// Showing untrusted bytes (names, paths, PEM labels) inside messages: control bytes and invalid
// UTF-8 are escaped as \xNN, so a message is safe on a terminal and always valid UTF-8 (a JSON
// encoder would otherwise refuse it).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dcvkit::detail {

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates), or 0.
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto at = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xbf) { return at(k) >= lo && at(k) <= hi; };
  unsigned c = at(0);
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c == 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c == 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// At most about max_bytes of `s`, escaped; a longer input ends in "...(N bytes)".
inline std::string printable(std::string_view s, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  std::size_t i = 0;
  while (i < s.size() && i < max_bytes) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = utf8_sequence_length(s, i);
    if (len == 1 && c >= 0x20 && c != 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else if (len > 1) {
      out.append(s.substr(i, len));
    } else {
      len = 1;
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
    i += len;
  }
  if (i < s.size()) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

}  // namespace dcvkit::detail
