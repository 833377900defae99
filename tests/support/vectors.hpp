// The shared request-token vectors (tests/data/token-vectors.jsonl, from two reference implementations).
#pragma once

#include <string>
#include <vector>

namespace dcvkit::test {

struct TokenVector {
  std::string id, category, auth_key, csr, timestamp, token;
};

const std::vector<TokenVector>& token_vectors();

}  // namespace dcvkit::test
