#include <algorithm>
#include <cstdio>

#include "dcvkit/check_report.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit {
namespace {

// Every string in the report comes from names, servers and bodies on the network.
std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') ? '?' : c;
    }
  }
  return out;
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} .muted{color:#666}
.bars{max-width:60em} .bar{display:flex;align-items:center;margin:.2em 0}
.bar .label{width:16em;font-family:monospace} .bar .fill{height:1.1em;background:#c0392b;margin-right:.5em}
.bar.ok .fill{background:#27ae60}
table{border-collapse:collapse;margin-top:1.5em;width:100%} th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4;cursor:pointer;user-select:none} th:after{content:" \2195";color:#aaa}
tr.fail td.code{color:#c0392b;font-weight:bold} tr.pass td.code{color:#27ae60}
td.msg{max-width:40em;word-break:break-word}
)";

constexpr const char* kScript = R"(
document.querySelectorAll('#results th').forEach(function(th, col){
  th.addEventListener('click', function(){
    var body = document.querySelector('#results tbody');
    var rows = Array.prototype.slice.call(body.rows);
    var asc = th.dataset.sort !== 'asc';
    document.querySelectorAll('#results th').forEach(function(h){ delete h.dataset.sort; });
    th.dataset.sort = asc ? 'asc' : 'desc';
    rows.sort(function(a, b){
      var x = a.cells[col].dataset.v || a.cells[col].textContent, y = b.cells[col].dataset.v || b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function(r){ body.appendChild(r); });
  });
});
document.body.setAttribute('data-ready', '1');
)";

}  // namespace

void CheckSummary::add(const CheckResult& r) {
  ++total;
  if (r.ok) ++passed;
  ++by_code[r.code];
}

std::string render_html_report(const std::vector<CheckResult>& results, const CheckSummary& summary,
                               UnixSeconds generated_at) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<title>dcvkit pre-validation report</title><style>";
  h += kStyle;
  h += "</style></head><body>\n<h1>dcvkit pre-validation report</h1>\n<p class=\"muted\">Generated " +
       format_iso8601(generated_at) + ". " + std::to_string(summary.passed) + " of " + std::to_string(summary.total) +
       " names pass: the CA would issue immediately for them.</p>\n<h2>Reasons</h2>\n<div class=\"bars\" id=\"reasons\">\n";
  std::vector<std::pair<std::string, std::size_t>> codes(summary.by_code.begin(), summary.by_code.end());
  std::sort(codes.begin(), codes.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  const double top = codes.empty() ? 1.0 : static_cast<double>(codes.front().second);
  for (const auto& [code, count] : codes) {
    char width[32];
    std::snprintf(width, sizeof width, "%.1f", 40.0 * static_cast<double>(count) / top);
    h += "<div class=\"bar" + std::string(code == "ok" ? " ok" : "") + "\"><span class=\"label\">" + esc(code) +
         "</span><span class=\"fill\" style=\"width:" + width + "em\"></span><span>" + std::to_string(count) +
         "</span></div>\n";
  }
  h += "</div>\n<table id=\"results\"><thead><tr><th>Name</th><th>Method</th><th>Result</th><th>Message</th>"
       "<th>What to do</th><th>Valid until</th><th>ms</th></tr></thead><tbody>\n";
  for (const auto& r : results) {
    h += std::string("<tr class=\"") + (r.ok ? "pass" : "fail") + "\"><td>" + esc(r.name) + "</td><td>" +
         esc(api_name(r.method)) + "</td><td class=\"code\">" + esc(r.code) + "</td><td class=\"msg\">" + esc(r.message) +
         "</td><td>" + esc(r.hint) + "</td><td>" + (r.valid_until ? format_iso8601(r.valid_until) : "") +
         "</td><td data-v=\"" + std::to_string(static_cast<long long>(r.elapsed_ms)) + "\">" +
         std::to_string(static_cast<long long>(r.elapsed_ms)) + "</td></tr>\n";
  }
  h += "</tbody></table>\n<script>";
  h += kScript;
  h += "</script>\n</body></html>\n";
  return h;
}

}  // namespace dcvkit
