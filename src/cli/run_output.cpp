#include "cli/run_output.hpp"

#include <algorithm>

#include "cli/common.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit::cli {
namespace {

std::string padded(std::string text, std::size_t width) {
  if (text.size() < width) text.resize(width, ' ');
  return text;
}

nlohmann::json error_json(const Error& e) { return {{"code", e.code}, {"message", e.message}, {"hint", e.hint}}; }

// CertCentral's order id; for an ACME order the last part of its URL (--json has all of it).
std::string order_cell(const LedgerEntry& e) {
  if (e.order_id) return std::to_string(e.order_id);
  if (e.order_ref.empty()) return "-";
  return e.order_ref.substr(e.order_ref.rfind('/') + 1);
}

}  // namespace

nlohmann::json result_json(const PipelineResult& r) {
  nlohmann::json j = {{"id", r.id}, {"stage", to_string(r.stage)}, {"ok", r.stage == Stage::Done}};
  if (r.order_id) j["order_id"] = r.order_id;
  if (!r.order_ref.empty()) j["order_ref"] = r.order_ref;
  if (r.certificate_id) j["certificate_id"] = r.certificate_id;
  if (!r.out_dir.empty()) j["out_dir"] = r.out_dir;
  if (r.not_after) j["not_after"] = format_iso8601(r.not_after);
  if (r.reused) j["reused"] = true;
  if (!r.added_names.empty()) j["added_names"] = r.added_names;
  if (!r.error_code.empty()) {
    j["error"] = {{"code", r.error_code}, {"message", r.error_message}, {"hint", r.hint}};
    if (r.stage == Stage::Failed) {
      j["error"]["stage"] = to_string(r.failed_at);  // the last stage completed: where a rerun resumes
      j["error"]["step"] = step_after(r.failed_at, r.orders_first);   // the step that failed
    }
  }
  return j;
}

nlohmann::json entry_json(const LedgerEntry& e) {
  nlohmann::json j = {{"id", e.id}, {"stage", to_string(e.stage)}, {"attempts", e.attempts},
                      {"updated_at", format_iso8601(e.updated_at)}};
  if (e.order_id) j["order_id"] = e.order_id;
  if (!e.order_ref.empty()) j["order_ref"] = e.order_ref;
  if (e.certificate_id) j["certificate_id"] = e.certificate_id;
  if (e.not_after) j["not_after"] = format_iso8601(e.not_after);
  if (!e.out_dir.empty()) j["out_dir"] = e.out_dir;
  if (e.stage == Stage::Failed)
    j["error"] = {{"stage", to_string(e.failed_stage)}, {"step", step_after(e.failed_stage, orders_first_as_stored(e))}, {"code", e.error_code},
                  {"message", e.error_message}};
  return j;
}

nlohmann::json totals_json(const PipelineSummary& s, std::size_t renewing) {
  nlohmann::json outcomes = nlohmann::json::object();
  for (const auto& [outcome, count] : s.outcomes) outcomes[outcome] = count;
  nlohmann::json j = {{"total", s.total}, {"done", s.done}, {"failed", s.failed},
                      {"not_started", s.not_started}, {"renewing", renewing}, {"api_requests", s.api_requests},
                      {"seconds", s.seconds}, {"outcomes", outcomes}};
  if (s.stopped) j["stopped"] = error_json(*s.stopped);
  return j;
}

void print_status_table(std::ostream& out, const std::vector<LedgerEntry>& entries) {
  out << "ID                    STAGE        ORDER      EXPIRES               DETAIL\n";
  for (const auto& e : entries) {
    const std::string detail =
        e.stage == Stage::Failed ? "at " + std::string(step_after(e.failed_stage, orders_first_as_stored(e))) + ": " + e.error_code + ": " + e.error_message
                                 : e.out_dir;
    out << padded(shown(e.id), 21) << " " << padded(std::string(to_string(e.stage)), 12) << " "
        << padded(order_cell(e), 10) << " "
        << padded(e.not_after ? format_iso8601(e.not_after) : "-", 21) << " " << shown(detail) << "\n";
  }
}

void RunListing::add(const PipelineResult& r, std::size_t manifest_line) {
  if (r.stage != Stage::Done && r.stage != Stage::Failed) return;  // not started: counted only
  auto& list = r.stage == Stage::Done ? done_ : failed_;
  if (list.size() < kListed) list.emplace_back(manifest_line, r);
  else ++unlisted_;
}

std::vector<PipelineResult> RunListing::listed() const {
  std::vector<std::pair<std::size_t, PipelineResult>> all = done_;
  all.insert(all.end(), failed_.begin(), failed_.end());
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<PipelineResult> out;
  out.reserve(all.size());
  for (auto& item : all) out.push_back(std::move(item.second));
  return out;
}

void print_summary(std::ostream& out, const PipelineSummary& s, const RunListing& listing) {
  for (const auto& r : listing.listed()) {
    if (r.stage == Stage::Done) {
      out << "OK   " << shown(r.id) << (r.reused ? " (already done)" : "") << "  " << shown(r.out_dir);
      if (!r.added_names.empty()) out << "  (added by the CA: " << join(shown(r.added_names), ", ") << ")";
      out << "\n";
    } else if (r.stage == Stage::Failed) {
      out << "FAIL " << shown(r.id) << " [" << r.error_code << " at " << step_after(r.failed_at, r.orders_first) << "] "
          << shown(r.error_message) << "\n";
      if (!r.hint.empty()) out << "     " << r.hint << "\n";
    }
  }
  if (listing.unlisted())
    out << "... and " << listing.unlisted() << " more (dcvkit run --status lists every certificate)\n";
  out << "\n" << padded("OUTCOME", 50) << " COUNT\n";
  for (const auto& [outcome, count] : s.outcomes) out << padded(shown(outcome), 50) << " " << count << "\n";
  out << s.done << " of " << s.total << " certificates done, " << s.failed << " failed";
  if (s.not_started) out << ", " << s.not_started << " not started";
  out << " (" << s.api_requests << " API requests, " << static_cast<long long>(s.seconds * 1000) << " ms)\n";
  if (s.stopped)
    out << "STOPPED: " << s.stopped->code << ": " << shown(s.stopped->message) << "\n     " << s.stopped->hint << "\n";
}

}  // namespace dcvkit::cli
