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

// The certificates the summary lists by name: the first kListed done and the first kListed failed
// ones (a run of a million certificates is counted, not listed; --status and --jsonl give all).
class RunListing {
 public:
  static constexpr std::size_t kListed = 50;
  void add(const PipelineResult& r, std::size_t manifest_line);
  // Manifest order, whatever order they ended in.
  std::vector<PipelineResult> listed() const;
  std::size_t unlisted() const { return unlisted_; }

 private:
  std::vector<std::pair<std::size_t, PipelineResult>> done_, failed_;
  std::size_t unlisted_ = 0;
};

// OK/FAIL per listed certificate (not-started ones are counted, not listed), the outcome table,
// the totals line, and why the run stopped if it did.
void print_summary(std::ostream& out, const PipelineSummary& s, const RunListing& listing);

}  // namespace dcvkit::cli
