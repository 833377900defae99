// What one TXT value or one fileauth.txt body says about the expected token.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/check.hpp"

namespace dcvkit::detail {

struct TextVerdict {
  enum Kind { NoToken, Mismatch, Expired, NotYetValid, Valid } kind = NoToken;  // worst to best
  std::string token;                   // the matching token (Valid, Expired, NotYetValid)
  TokenInspection window;              // of that token
  std::vector<std::string> candidates; // well-formed tokens seen, matching or not
};

TextVerdict judge_text(std::string_view text, const TokenExpectation& expected, UnixSeconds now);
// The better of two verdicts (Valid beats everything; a matching token beats a foreign one).
void keep_best(TextVerdict& best, TextVerdict&& other);

}  // namespace dcvkit::detail
