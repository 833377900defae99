// Summaries of a check run: counts per reason, and a self-contained HTML report a person opens.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dcvkit/check.hpp"
#include "dcvkit/error.hpp"

namespace dcvkit {

struct CheckSummary {
  std::size_t total = 0, passed = 0;
  std::map<std::string, std::size_t> by_code;  // "ok" included
  double seconds = 0;
  void add(const CheckResult& r);
};

// One HTML file, no external resources: a bar chart of reasons and a table sortable by any column.
std::string render_html_report(const std::vector<CheckResult>& results, const CheckSummary& summary,
                               UnixSeconds generated_at);

class RowSpool;

// The same report for inputs of any size: rows are spooled to an anonymous temporary file as
// results arrive, so memory stays flat; write() puts the report in place atomically.
class CheckReportWriter {
 public:
  static Result<CheckReportWriter> open();
  CheckReportWriter(CheckReportWriter&& other) noexcept;
  CheckReportWriter& operator=(CheckReportWriter&&) = delete;
  ~CheckReportWriter();

  Status add(const CheckResult& result);
  Status write(const std::string& path, const CheckSummary& summary, UnixSeconds generated_at, bool overwrite);

 private:
  explicit CheckReportWriter(std::unique_ptr<RowSpool> spool);
  std::unique_ptr<RowSpool> spool_;
};

}  // namespace dcvkit
