// Summaries of a check run: counts per reason, and a self-contained HTML report a person opens.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dcvkit/check.hpp"

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

}  // namespace dcvkit
