// What `dcvkit run` prints: a result or a ledger entry as JSON, the --status table, and the
// summary after a run (per certificate, then counts per outcome).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "dcvkit/ledger.hpp"
#include "dcvkit/pipeline.hpp"

namespace dcvkit::cli {

nlohmann::json result_json(const PipelineResult& r);
nlohmann::json entry_json(const LedgerEntry& e);
nlohmann::json totals_json(const PipelineSummary& s, std::size_t renewing);

void print_status_table(std::ostream& out, const std::vector<LedgerEntry>& entries);
// OK/FAIL per certificate (not-started ones are counted, not listed), the outcome table, the
// totals line, and why the run stopped if it did.
void print_summary(std::ostream& out, const PipelineSummary& s);

}  // namespace dcvkit::cli
