#include <algorithm>

#include "dcvkit/files.hpp"
#include "dcvkit/names.hpp"
#include "dcvkit/publish_webroot.hpp"

namespace dcvkit {
namespace {

// A map lists one line per site; a megabyte is far beyond any real one and bounds a wrong path.
constexpr std::size_t kMaxMapBytes = 1u << 20;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// '#' opens a comment only at the start of a field, so a directory such as "/srv/a#b" survives.
std::string_view strip_comment(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i)
    if (line[i] == '#' && (i == 0 || is_blank(line[i - 1]))) return line.substr(0, i);
  return line;
}

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    std::size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

Error map_error(std::string code, std::string_view origin, std::size_t line_no, const std::string& what,
                std::string hint) {
  return make_error(ErrorKind::InvalidInput, std::move(code),
                    std::string(origin) + ":" + std::to_string(line_no) + ": " + what, std::move(hint));
}

}  // namespace

Result<WebrootMap> WebrootMap::load(const std::string& path) {
  auto text = read_file(path, kMaxMapBytes, "webroot map");
  if (!text) return text.error();
  return parse(*text, path);
}

Result<WebrootMap> WebrootMap::parse(std::string_view text, std::string_view origin) {
  static constexpr const char* kFormatHint =
      "each line is 'name<TAB>/absolute/webroot' or '*.example.com<TAB>/absolute/webroot'; '#' starts a comment";
  WebrootMap map;
  std::vector<std::size_t> line_of;  // parallel to entries_, for duplicate reports
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);

    auto fields = fields_of(strip_comment(line));
    if (fields.empty()) continue;
    if (fields.size() != 2)
      return map_error("webroot_map.syntax", origin, line_no,
                       "expected a name and a directory, found " + std::to_string(fields.size()) + " field(s)",
                       kFormatHint);

    bool pattern = fields[0].starts_with("*.");
    auto name = normalize_dns_name(fields[0], NameRules{.allow_wildcard = pattern});
    if (!name)
      return map_error("webroot_map.syntax", origin, line_no, name.error().message,
                       pattern ? "a pattern is '*.' followed by a valid DNS name" : kFormatHint);
    if (fields[1].front() != '/')
      return map_error("webroot_map.syntax", origin, line_no,
                       "webroot '" + std::string(fields[1]) + "' is not an absolute path",
                       "write the directory from '/', so the map means the same from any working directory");
    map.entries_.emplace_back(std::move(*name), std::string(fields[1]));
    line_of.push_back(line_no);
  }

  // Sorted keys give logarithmic lookups for maps of thousands of sites, and expose duplicates.
  std::vector<std::size_t> order(map.entries_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return map.entries_[a].first < map.entries_[b].first; });
  for (std::size_t i = 1; i < order.size(); ++i) {
    const auto& prev = map.entries_[order[i - 1]];
    if (prev.first == map.entries_[order[i]].first)
      return map_error("webroot_map.syntax", origin, line_of[order[i]],
                       "'" + prev.first + "' is already mapped on line " + std::to_string(line_of[order[i - 1]]),
                       "keep one line per name");
  }
  std::vector<std::pair<std::string, std::string>> sorted;
  sorted.reserve(order.size());
  for (auto i : order) sorted.push_back(std::move(map.entries_[i]));
  map.entries_ = std::move(sorted);
  return map;
}

std::optional<std::string> WebrootMap::dir_for(std::string_view canonical_name) const {
  auto find = [this](std::string_view key) -> const std::string* {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                               [](const auto& entry, std::string_view k) { return entry.first < k; });
    return it != entries_.end() && it->first == key ? &it->second : nullptr;
  };
  if (canonical_name.empty() || is_wildcard(canonical_name)) return std::nullopt;
  if (const auto* dir = find(canonical_name)) return *dir;
  // A pattern covers exactly one label: "*.example.com" serves "a.example.com", not "a.b.example.com".
  auto dot = canonical_name.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string pattern = "*";
  pattern += canonical_name.substr(dot);
  if (const auto* dir = find(pattern)) return *dir;
  return std::nullopt;
}

}  // namespace dcvkit
