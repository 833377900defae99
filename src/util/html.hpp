// The pieces every self-contained HTML report of dcvkit shares (check, run): escaping, one style
// sheet, a bar chart of counts, and tables sortable by any column. No external resources.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dcvkit::html {

// Everything shown comes from names, servers, files and bodies we do not control.
std::string escape(std::string_view s);

// <!DOCTYPE html> ... <body><h1>title</h1>
std::string page_start(std::string_view title);
// The script that makes every table with class "sortable" sortable, then </body></html>.
std::string page_end();

// Horizontal bars, longest first; a label in `good_labels` is drawn green, the others red.
std::string bar_chart(std::string_view id, std::vector<std::pair<std::string, std::size_t>> counts,
                      const std::vector<std::string>& good_labels);

}  // namespace dcvkit::html
