// Showing untrusted bytes (names, paths, PEM labels) inside messages: what a terminal would act on
// (C0 and C1 control characters, DEL, and the bidirectional overrides that reorder what is shown),
// invalid UTF-8 and the backslash itself are escaped as \xNN, so a message is safe on a terminal,
// unambiguous, and always valid UTF-8 (a JSON encoder would otherwise refuse it). Everything else,
// quotes included, is shown as it is: "cannot open 'shop.csr'", not "\x27shop.csr\x27".
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

// A well-formed multi-byte sequence a terminal acts on: C1 controls (U+0080-U+009F; U+009B is a
// CSI) and the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
inline bool unsafe_sequence(std::string_view s, std::size_t i, std::size_t len) {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  if (len == 2) return at(0) == 0xc2 && at(1) < 0xa0;
  if (len == 3 && at(0) == 0xe2 && at(1) == 0x80) return at(2) >= 0xaa && at(2) <= 0xae;
  if (len == 3 && at(0) == 0xe2 && at(1) == 0x81) return at(2) >= 0xa6 && at(2) <= 0xa9;
  return false;
}

// At most about max_bytes of `s`, escaped; a longer input ends in "...(N bytes)".
inline std::string printable(std::string_view s, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  auto escape = [&out](unsigned char b) {
    out += "\\x";
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  };
  std::size_t i = 0;
  while (i < s.size() && i < max_bytes) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = utf8_sequence_length(s, i);
    if (len == 1 && c >= 0x20 && c != 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else if (len > 1 && !unsafe_sequence(s, i, len)) {
      out.append(s.substr(i, len));
    } else if (len > 1) {
      for (std::size_t k = 0; k < len; ++k) escape(static_cast<unsigned char>(s[i + k]));
    } else {
      len = 1;
      escape(c);
    }
    i += len;
  }
  if (i < s.size()) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

}  // namespace dcvkit::detail
