// Loading the CSR a token command hashes, and choosing which of its text forms to hash.
#pragma once

#include <cxxopts.hpp>
#include <vector>

#include "cli/common.hpp"
#include "dcvkit/csr.hpp"

namespace dcvkit::cli {

struct CsrInput {
  std::string path;
  CsrText text;
  CsrInfo info;
  std::vector<CsrForm> forms;  // one, or every distinct form with --all-forms
};

void add_csr_form_options(cxxopts::Options& options);
// --csr FILE, parsed and signature-checked, plus the forms asked for. Warns about weak keys.
Result<CsrInput> load_csr_input(const cxxopts::ParseResult& args, const Output& out);

}  // namespace dcvkit::cli
