#include "check/text_verdict.hpp"

#include <algorithm>

namespace dcvkit::detail {

TextVerdict judge_text(std::string_view text, const TokenExpectation& expected, UnixSeconds now) {
  TextVerdict best;
  for (auto& candidate : scan_token_candidates(text, now)) {
    auto parsed = parse_token(candidate);
    if (!parsed) continue;  // "2026" followed by anything: not a token at all
    TextVerdict v;
    v.candidates.push_back(candidate);
    if (expected.matches(candidate)) {
      v.window = inspect_token(parsed->timestamp, now);
      v.kind = v.window.status == TokenStatus::Valid     ? TextVerdict::Valid
               : v.window.status == TokenStatus::Expired ? TextVerdict::Expired
                                                         : TextVerdict::NotYetValid;
      v.token = candidate;
    } else {
      v.kind = TextVerdict::Mismatch;
    }
    keep_best(best, std::move(v));
  }
  return best;
}

void keep_best(TextVerdict& best, TextVerdict&& other) {
  for (auto& c : other.candidates)
    if (std::find(best.candidates.begin(), best.candidates.end(), c) == best.candidates.end())
      best.candidates.push_back(c);
  if (other.kind > best.kind) {
    best.kind = other.kind;
    best.token = std::move(other.token);
    best.window = other.window;
  }
}

}  // namespace dcvkit::detail
