// The names a command works on: --name (repeatable), --names-file (a name per line, or JSONL
// {"name","token"} lines), or the CSR's names.
#pragma once

#include <cxxopts.hpp>
#include <string>
#include <vector>

#include "dcvkit/error.hpp"

namespace dcvkit::cli {

struct NameWithToken {
  std::string name;
  std::string token;  // empty unless the JSONL line carried one
  std::string where;  // "file:line" for messages
};

void add_names_options(cxxopts::Options& options);
bool has_names_options(const cxxopts::ParseResult& args);
Result<std::vector<NameWithToken>> read_names(const cxxopts::ParseResult& args);

}  // namespace dcvkit::cli
