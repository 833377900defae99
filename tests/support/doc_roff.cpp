#include "support/doc_roff.hpp"

#include <algorithm>
#include <regex>
#include <sstream>

namespace dcvkit::test {
namespace {

std::string unquote(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '"'), s.end());
  return s;
}

// ".BI \-\-csr " FILE"" or ".BR \-v ", " \-\-verbose": roff's \- is a dash.
std::vector<RoffOption> tag_options(const std::string& tag) {
  std::string plain = std::regex_replace(tag, std::regex(R"(\\-)"), "-");
  plain = std::regex_replace(plain, std::regex(R"(\\f[BIRP])"), " ");
  static const std::regex word(R"rx((^|[\s"])(--?)([A-Za-z0-9][A-Za-z0-9-]*)(?:"? "?([^",]+)")?)rx");
  std::vector<RoffOption> out;
  char pending_short = 0;
  for (std::sregex_iterator it(plain.begin(), plain.end(), word), end; it != end; ++it) {
    const auto& m = *it;
    if (m[2] == "-") {
      if (m[3].length() == 1) pending_short = m[3].str()[0];
      continue;
    }
    RoffOption o;
    o.name = m[3];
    o.short_name = pending_short;
    pending_short = 0;
    if (m[4].matched) {
      o.value = m[4];
      o.value.erase(0, o.value.find_first_not_of(' '));
    }
    out.push_back(o);
  }
  return out;
}

}  // namespace

std::vector<RoffSection> roff_sections(const std::string& roff) {
  std::vector<RoffSection> sections;
  std::istringstream in(roff);
  std::string line, current_sh;
  bool tag_next = false;
  static const std::regex group_ref(R"(\\fB([A-Za-z ]+ options)\\fR)");
  while (std::getline(in, line)) {
    if (line.rfind(".SH ", 0) == 0 || line.rfind(".SS ", 0) == 0) {
      RoffSection s;
      s.subsection = line[2] == 'S' && line[1] == 'S';
      s.heading = unquote(line.substr(4));
      if (!s.subsection) current_sh = s.heading;
      s.parent = current_sh;
      sections.push_back(s);
      tag_next = false;
      continue;
    }
    if (sections.empty()) continue;
    RoffSection& s = sections.back();
    if (line == ".TP") {
      tag_next = true;
      continue;
    }
    if (tag_next) {
      tag_next = false;
      for (auto& o : tag_options(line)) s.options.push_back(o);
      continue;
    }
    for (std::sregex_iterator it(line.begin(), line.end(), group_ref), end; it != end; ++it) {
      std::string g = (*it)[1];
      std::transform(g.begin(), g.end(), g.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      s.groups.insert(g);
    }
  }
  return sections;
}

}  // namespace dcvkit::test
