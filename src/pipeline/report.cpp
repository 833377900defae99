#include <algorithm>
#include <map>

#include "dcvkit/pipeline.hpp"
#include "dcvkit/time.hpp"
#include "util/html.hpp"

namespace dcvkit {
namespace {

std::string outcome_of(const PipelineResult& r) {
  if (r.stage == Stage::Done) return "done";
  if (r.stage == Stage::Failed) return "failed at " + std::string(to_string(r.failed_at)) + ": " + r.error_code;
  return "not started";
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
  return out;
}

std::string cell(const std::string& text, const std::string& cls = {}) {
  return "<td" + (cls.empty() ? std::string() : " class=\"" + cls + "\"") + ">" + html::escape(text) + "</td>";
}

std::string id_cell(std::int64_t id) {
  return id ? "<td data-v=\"" + std::to_string(id) + "\">" + std::to_string(id) + "</td>" : "<td data-v=\"0\"></td>";
}

}  // namespace

std::vector<std::pair<std::string, std::size_t>> outcome_counts(const PipelineSummary& summary) {
  std::map<std::string, std::size_t> counts;
  for (const auto& r : summary.results) ++counts[outcome_of(r)];
  std::vector<std::pair<std::string, std::size_t>> out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

std::string render_run_report(const PipelineSummary& summary, const std::vector<ManifestEntry>& manifest,
                              const std::vector<LedgerEntry>& ledger, UnixSeconds generated_at) {
  std::map<std::string, const LedgerEntry*> by_id;
  for (const auto& e : ledger) by_id[e.id] = &e;
  std::string h = html::page_start("dcvkit run report");
  h += "<p class=\"muted\" id=\"totals\">Generated " + format_iso8601(generated_at) + ". " + std::to_string(summary.done) +
       " of " + std::to_string(summary.results.size()) + " certificates done, " + std::to_string(summary.failed) +
       " failed, " + std::to_string(summary.not_started) + " not started; " + std::to_string(summary.api_requests) +
       " API requests in " + std::to_string(static_cast<long long>(summary.seconds)) + " s.</p>\n";
  if (summary.stopped)
    h += "<p class=\"stopped\" id=\"stopped\"><b>The run stopped:</b> " + html::escape(summary.stopped->code) + ": " +
         html::escape(summary.stopped->message) + "<br>" + html::escape(summary.stopped->hint) + "</p>\n";
  h += "<h2>Outcomes</h2>\n" + html::bar_chart("outcomes", outcome_counts(summary), {"done"});
  h += "<table id=\"certificates\" class=\"sortable\"><thead><tr><th>ID</th><th>Names</th><th>Result</th><th>Stage</th>"
       "<th>Order</th><th>Certificate</th><th>Expires</th><th>Files</th><th>Message</th><th>What to do</th>"
       "<th>Attempts</th></tr></thead><tbody>\n";
  for (std::size_t i = 0; i < summary.results.size() && i < manifest.size(); ++i) {
    const auto& r = summary.results[i];
    const auto found = by_id.find(r.id);
    const LedgerEntry* e = found == by_id.end() ? nullptr : found->second;
    const bool ok = r.stage == Stage::Done;
    h += std::string("<tr class=\"") + (ok ? "pass" : "fail") + "\">" + cell(r.id) + cell(joined(manifest[i].names)) +
         cell(outcome_of(r), "code") + cell(e ? std::string(to_string(e->stage)) : "new") +
         id_cell(e ? e->order_id : r.order_id) + id_cell(e ? e->certificate_id : r.certificate_id) +
         cell(e && e->not_after ? format_iso8601(e->not_after) : "") + cell(e ? e->out_dir : r.out_dir) +
         cell(r.error_message, "msg") + cell(r.hint) + cell(std::to_string(e ? e->attempts : 0)) + "</tr>\n";
  }
  h += "</tbody></table>\n";
  return h + html::page_end();
}

}  // namespace dcvkit
