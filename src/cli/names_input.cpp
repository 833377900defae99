#include "cli/names_input.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/common.hpp"
#include "dcvkit/files.hpp"
#include "util/json_line.hpp"

namespace dcvkit::cli {
namespace {

constexpr std::size_t kMaxNamesFileBytes = std::size_t{256} * 1024 * 1024;
constexpr std::initializer_list<const char*> kLineKeys = {"name", "token"};

Error bad_line(const std::string& where, const std::string& why) {
  return make_error(ErrorKind::InvalidInput, "input.bad_line", where + ": " + why,
                    R"(each line is a name, or a JSON object {"name": "...", "token": "..."})");
}

}  // namespace

void add_names_options(cxxopts::Options& options) {
  options.add_options("Names")
      ("name", "A DNS name; repeat for more", cxxopts::value<std::vector<std::string>>(), "NAME")
      ("names-file", R"(One name per line, or JSONL {"name","token"} lines ('#' comments))",
       cxxopts::value<std::string>(), "FILE");
}

bool has_names_options(const cxxopts::ParseResult& args) { return args.count("name") || args.count("names-file"); }

Result<std::vector<NameWithToken>> read_names(const cxxopts::ParseResult& args) {
  std::vector<NameWithToken> names;
  if (args.count("name"))
    for (const auto& n : args["name"].as<std::vector<std::string>>()) names.push_back({n, "", "--name"});
  if (args.count("names-file")) {
    const auto path = args["names-file"].as<std::string>();
    auto text = read_file(path, kMaxNamesFileBytes, "names file");
    if (!text) return text.error();
    std::istringstream in(*text);
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line[first] == '#') continue;
      const std::string where = path + ":" + std::to_string(number);
      if (line.size() > detail::kMaxJsonlLineBytes) return bad_line(where, detail::too_long_message(line));
      if (line[first] != '{') {
        const auto last = line.find_last_not_of(" \t");
        names.push_back({line.substr(first, last - first + 1), "", where});
        continue;
      }
      const auto parsed = detail::parse_object_line(line);
      if (!parsed.error.empty()) return bad_line(where, parsed.error);
      const auto& j = parsed.value;
      if (auto key = detail::unknown_key(j, kLineKeys)) return bad_line(where, detail::unknown_key_message(*key, kLineKeys));
      if (!j.contains("name") || !j["name"].is_string()) return bad_line(where, "no \"name\" string");
      if (j.contains("token") && !j["token"].is_string()) return bad_line(where, "\"token\" is not a string");
      names.push_back({j["name"].get<std::string>(), j.value("token", std::string()), where});
    }
  }
  return names;
}

}  // namespace dcvkit::cli
