#include <openssl/crypto.h>

#include "dcvkit/check.hpp"

namespace dcvkit {

std::shared_ptr<TokenExpectation> TokenExpectation::exact(std::vector<std::string> tokens) {
  auto e = std::make_shared<TokenExpectation>();
  e->tokens_ = std::move(tokens);
  return e;
}

Result<std::shared_ptr<TokenExpectation>> TokenExpectation::from_csr(std::vector<std::string> csr_texts,
                                                                     std::string_view auth_key) {
  auto engine = TokenEngine::create(auth_key);
  if (!engine) return engine.error();
  auto e = std::make_shared<TokenExpectation>();
  e->csr_texts_ = std::move(csr_texts);
  e->engine_ = std::make_unique<TokenEngine>(std::move(*engine));
  return e;
}

bool TokenExpectation::matches(std::string_view candidate) const {
  if (candidate.size() != kTokenLength) return false;
  for (const auto& t : tokens_)
    if (t == candidate) return true;
  if (!engine_) return false;
  std::lock_guard lock(mutex_);
  char expected[kTokenLength];
  for (const auto& csr : csr_texts_) {
    engine_->compute_into(csr, candidate.substr(0, kTimestampLength), expected);
    if (CRYPTO_memcmp(expected, candidate.data(), kTokenLength) == 0) return true;
  }
  return false;
}

}  // namespace dcvkit
