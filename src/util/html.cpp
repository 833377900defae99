#include "util/html.hpp"

#include <algorithm>
#include <cstdio>

namespace dcvkit::html {
namespace {

constexpr const char* kStyle = R"(
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} .muted{color:#666}
.bars{max-width:60em} .bar{display:flex;align-items:center;margin:.2em 0}
.bar .label{width:16em;font-family:monospace} .bar .fill{height:1.1em;background:#c0392b;margin-right:.5em}
.bar.ok .fill{background:#27ae60}
table{border-collapse:collapse;margin-top:1.5em;width:100%} th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4;cursor:pointer;user-select:none} th:after{content:" \2195";color:#aaa}
tr.fail td.code{color:#c0392b;font-weight:bold} tr.pass td.code{color:#27ae60}
td{overflow-wrap:anywhere} td.msg{max-width:30em} .stopped{color:#c0392b}
)";

constexpr const char* kScript = R"(
document.querySelectorAll('table.sortable').forEach(function(table){
  var heads = table.querySelectorAll('th');
  heads.forEach(function(th, col){
    th.addEventListener('click', function(){
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var asc = th.dataset.sort !== 'asc';
      heads.forEach(function(h){ delete h.dataset.sort; });
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
});
document.body.setAttribute('data-ready', '1');
)";

}  // namespace

std::string escape(std::string_view s) {
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

std::string page_start(std::string_view title) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title><style>" +
         kStyle + "</style></head><body>\n<h1>" + escape(title) + "</h1>\n";
}

std::string page_end() { return std::string("<script>") + kScript + "</script>\n</body></html>\n"; }

std::string bar_chart(std::string_view id, std::vector<std::pair<std::string, std::size_t>> counts,
                      const std::vector<std::string>& good_labels) {
  std::stable_sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  const double top = counts.empty() ? 1.0 : static_cast<double>(std::max<std::size_t>(1, counts.front().second));
  std::string h = R"(<div class="bars" id=")" + escape(id) + "\">\n";
  for (const auto& [label, count] : counts) {
    char width[32];
    std::snprintf(width, sizeof width, "%.1f", 40.0 * static_cast<double>(count) / top);
    const bool good = std::find(good_labels.begin(), good_labels.end(), label) != good_labels.end();
    h += "<div class=\"bar" + std::string(good ? " ok" : "") + R"("><span class="label">)" + escape(label) +
         R"(</span><span class="fill" style="width:)" + width + "em\"></span><span>" + std::to_string(count) +
         "</span></div>\n";
  }
  return h + "</div>\n";
}

}  // namespace dcvkit::html
