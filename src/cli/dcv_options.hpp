// What `plan`, `publish` and `unpublish` share: the names (from a CSR or lists), the method, and
// the plan made from them, each entry remembering a token its input line carried.
#pragma once

#include <cxxopts.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "cli/csr_input.hpp"
#include "dcvkit/plan.hpp"

namespace dcvkit::cli {

struct PlannedEntry {
  PlanEntry entry;
  std::string token;  // from a JSONL names-file line, else empty
};

struct PlanInput {
  std::vector<PlannedEntry> entries;
  std::optional<CsrInput> csr;  // with --csr
};

void add_plan_options(cxxopts::Options& options);
Result<PlanInput> plan_from_args(const cxxopts::ParseResult& args, const Output& out);

}  // namespace dcvkit::cli
