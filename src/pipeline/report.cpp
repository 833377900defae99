#include <utility>

#include "dcvkit/pipeline.hpp"
#include "dcvkit/time.hpp"
#include "util/html.hpp"
#include "util/row_spool.hpp"
#include "util/strings.hpp"

namespace dcvkit {
namespace {

std::string cell(const std::string& text, const std::string& cls = {}) {
  return "<td" + (cls.empty() ? std::string() : " class=\"" + cls + "\"") + ">" + html::escape(text) + "</td>";
}

std::string id_cell(std::int64_t id) {
  return id ? "<td data-v=\"" + std::to_string(id) + "\">" + std::to_string(id) + "</td>" : "<td data-v=\"0\"></td>";
}

std::string run_report_head(const PipelineSummary& summary, UnixSeconds generated_at) {
  std::string h = html::page_start("dcvkit run report");
  h += R"(<p class="muted" id="totals">Generated )" + format_iso8601(generated_at) + ". " + std::to_string(summary.done) +
       " of " + std::to_string(summary.total) + " certificates done, " + std::to_string(summary.failed) +
       " failed, " + std::to_string(summary.not_started) + " not started; " + std::to_string(summary.api_requests) +
       " API requests in " + std::to_string(static_cast<long long>(summary.seconds)) + " s.</p>\n";
  if (summary.stopped)
    h += R"(<p class="stopped" id="stopped"><b>The run stopped:</b> )" + html::escape(summary.stopped->code) + ": " +
         html::escape(summary.stopped->message) + "<br>" + html::escape(summary.stopped->hint) + "</p>\n";
  h += "<h2>Outcomes</h2>\n" + html::bar_chart("outcomes", summary.outcomes, {"done"});
  h += "<table id=\"certificates\" class=\"sortable\"><thead><tr><th>ID</th><th>Names</th><th>Result</th>"
       "<th>Order</th><th>Certificate</th><th>Expires</th><th>Files</th><th>Message</th><th>What to do</th>"
       "<th>Attempts</th></tr></thead><tbody>\n";
  return h;
}

std::string run_report_row(const PipelineResult& r, const ManifestEntry& spec, const LedgerEntry* e) {
  const bool ok = r.stage == Stage::Done;
  const std::string names =
      detail::join(spec.names, " ") + (r.added_names.empty() ? "" : " (added by the CA: " + detail::join(r.added_names, " ") + ")");
  return std::string("<tr class=\"") + (ok ? "pass" : "fail") + "\">" + cell(r.id) + cell(names) +
         cell(outcome_of(r), "code") +
         id_cell(e ? e->order_id : r.order_id) + id_cell(e ? e->certificate_id : r.certificate_id) +
         cell(e && e->not_after ? format_iso8601(e->not_after) : "") + cell(e ? e->out_dir : r.out_dir) +
         cell(r.error_message, "msg") + cell(r.hint) + cell(std::to_string(e ? e->attempts : 0)) + "</tr>\n";
}

}  // namespace

std::string outcome_of(const PipelineResult& r) {
  if (r.stage == Stage::Done) return "done";
  if (r.stage == Stage::Failed) return "failed at " + std::string(step_after(r.failed_at, r.orders_first)) + ": " + r.error_code;
  return "not started";
}

Result<RunReportWriter> RunReportWriter::open() {
  auto spool = RowSpool::open();
  if (!spool) return spool.error();
  return RunReportWriter(std::make_unique<RowSpool>(std::move(*spool)));
}

RunReportWriter::RunReportWriter(std::unique_ptr<RowSpool> spool) : spool_(std::move(spool)) {}
RunReportWriter::RunReportWriter(RunReportWriter&& other) noexcept = default;
RunReportWriter::~RunReportWriter() = default;

Status RunReportWriter::add(const PipelineResult& result, const ManifestEntry& spec, const LedgerEntry* entry) {
  return spool_->add(run_report_row(result, spec, entry));
}

Status RunReportWriter::write(const std::string& path, const PipelineSummary& summary, UnixSeconds generated_at,
                              bool overwrite) {
  return spool_->write(path, run_report_head(summary, generated_at), "</tbody></table>\n" + html::page_end(), overwrite);
}

}  // namespace dcvkit
