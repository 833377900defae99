// Where `dcvkit check` gets its requests: a JSONL file read as the checks go (memory stays flat),
// or names with one --token / --csr (ACME methods: --key-authorization) for all.
#pragma once

#include <cxxopts.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/names_input.hpp"
#include "dcvkit/check_batch.hpp"

namespace dcvkit::cli {

class CheckInput {
 public:
  static Result<std::unique_ptr<CheckInput>> from_args(const cxxopts::ParseResult& args, const Output& out);
  // The next request; nothing at the end or after an input error (see error()).
  std::optional<CheckRequest> next();
  const std::optional<Error>& error() const { return error_; }
  std::optional<std::size_t> total() const { return total_; }  // known for name lists, not for files

 private:
  Result<std::shared_ptr<const TokenExpectation>> expectation_for_csr(const std::string& path);
  std::optional<CheckRequest> next_line();
  std::optional<CheckRequest> acme_line(const nlohmann::json& j, std::string name, std::optional<AcmeChallengeKind> acme,
                                        const std::string& where);
  Status list_acme(std::vector<NameWithToken> names);

  const cxxopts::ParseResult* args_ = nullptr;
  const Output* out_ = nullptr;
  std::optional<DcvMethod> method_;
  std::optional<AcmeChallengeKind> acme_;  // --method acme-http-01 / acme-dns-01
  std::shared_ptr<const TokenExpectation> common_;
  std::vector<CheckRequest> listed_;
  std::size_t listed_next_ = 0;
  std::ifstream file_;
  std::string file_path_;
  std::size_t line_number_ = 0;
  std::map<std::string, std::shared_ptr<const TokenExpectation>> by_csr_;
  std::optional<Secret> auth_key_;
  std::optional<Error> error_;
  std::optional<std::size_t> total_;
};

void add_check_input_options(cxxopts::Options& options);

}  // namespace dcvkit::cli
