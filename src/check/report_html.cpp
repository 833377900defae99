#include <utility>

#include "dcvkit/check_report.hpp"
#include "dcvkit/time.hpp"
#include "util/html.hpp"
#include "util/row_spool.hpp"

namespace dcvkit {

void CheckSummary::add(const CheckResult& r) {
  ++total;
  if (r.ok) ++passed;
  ++by_code[r.code];
}

namespace {

std::string report_head(const CheckSummary& summary, UnixSeconds generated_at) {
  std::string h = html::page_start("dcvkit pre-validation report");
  h += "<p class=\"muted\">Generated " + format_iso8601(generated_at) + ". " + std::to_string(summary.passed) + " of " +
       std::to_string(summary.total) + " names pass: the CA would issue immediately for them.</p>\n<h2>Reasons</h2>\n";
  h += html::bar_chart("reasons", {summary.by_code.begin(), summary.by_code.end()}, {"ok"});
  h += "<table id=\"results\" class=\"sortable\"><thead><tr><th>Name</th><th>Method</th><th>Result</th><th>Message</th>"
       "<th>What to do</th><th>Address</th><th>Valid until</th><th>ms</th></tr></thead><tbody>\n";
  return h;
}

std::string report_row(const CheckResult& r) {
  return std::string("<tr class=\"") + (r.ok ? "pass" : "fail") + "\"><td>" + html::escape(r.name) + "</td><td>" +
         html::escape(method_name(r)) + "</td><td class=\"code\">" + html::escape(r.code) + "</td><td class=\"msg\">" + html::escape(r.message) +
         "</td><td>" + html::escape(r.hint) + "</td><td>" + html::escape(r.address) + "</td><td>" + (r.valid_until ? format_iso8601(r.valid_until) : "") +
         "</td><td data-v=\"" + std::to_string(static_cast<long long>(r.elapsed_ms)) + "\">" +
         std::to_string(static_cast<long long>(r.elapsed_ms)) + "</td></tr>\n";
}

std::string report_tail() { return "</tbody></table>\n" + html::page_end(); }

}  // namespace

std::string render_html_report(const std::vector<CheckResult>& results, const CheckSummary& summary,
                               UnixSeconds generated_at) {
  std::string h = report_head(summary, generated_at);
  for (const auto& r : results) h += report_row(r);
  return h + report_tail();
}

Result<CheckReportWriter> CheckReportWriter::open() {
  auto spool = RowSpool::open();
  if (!spool) return spool.error();
  return CheckReportWriter(std::make_unique<RowSpool>(std::move(*spool)));
}

CheckReportWriter::CheckReportWriter(std::unique_ptr<RowSpool> spool) : spool_(std::move(spool)) {}
CheckReportWriter::CheckReportWriter(CheckReportWriter&& other) noexcept = default;
CheckReportWriter::~CheckReportWriter() = default;

Status CheckReportWriter::add(const CheckResult& result) { return spool_->add(report_row(result)); }

Status CheckReportWriter::write(const std::string& path, const CheckSummary& summary, UnixSeconds generated_at,
                                bool overwrite) {
  return spool_->write(path, report_head(summary, generated_at), report_tail(), overwrite);
}

}  // namespace dcvkit
