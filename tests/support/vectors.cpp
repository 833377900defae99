#include "support/vectors.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace dcvkit::test {

const std::vector<TokenVector>& token_vectors() {
  static const std::vector<TokenVector> vectors = [] {
    std::vector<TokenVector> v;
    std::ifstream in(std::string(DCVKIT_TEST_DATA) + "/token-vectors.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line);
      v.push_back({j.at("id"), j.at("category"), j.at("auth_key"), j.at("csr"), j.at("timestamp"), j.at("token")});
    }
    if (v.empty()) throw std::runtime_error("no token vectors found");
    return v;
  }();
  return vectors;
}

}  // namespace dcvkit::test
