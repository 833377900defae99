// docs/ca-rules.md is the one table of the CA's rules: it cannot fall behind the code. Every
// reason code the checker emits is in a row, every rule the code marks (`ca-rule: <id>`) has its
// row, every test a row cites exists, and the DigiCert CAA identities are those of the code.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "dcvkit/check_caa.hpp"
#include "support/doc_sources.hpp"

namespace dcvkit::test {
namespace {

struct Row {
  std::string id, rule, source, does, tests;
  int line = 0;
};

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  bool in_code = false;
  for (std::size_t i = 1; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '`') in_code = !in_code;
    if (c == '|' && !in_code) {
      out.push_back(cell.substr(cell.find_first_not_of(' ') == std::string::npos ? 0 : cell.find_first_not_of(' ')));
      while (!out.back().empty() && out.back().back() == ' ') out.back().pop_back();
      cell.clear();
    } else {
      cell += c;
    }
  }
  return out;
}

std::vector<Row> rows() {
  std::istringstream in(read_text(source_root() / "docs" / "ca-rules.md"));
  std::vector<Row> out;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.rfind("| `", 0) != 0) continue;
    const auto c = cells(line);
    EXPECT_EQ(c.size(), 5u) << "docs/ca-rules.md:" << n << " has " << c.size() << " cells, not 5: " << line;
    if (c.size() != 5) continue;
    out.push_back({c[0].substr(1, c[0].size() - 2), c[1], c[2], c[3], c[4], n});
  }
  return out;
}

// Every `ca-rule: a, b` comment under src/ and tools/.
std::map<std::string, std::string> code_rules() {
  static const std::regex tag(R"(ca-rule: ([a-z0-9-]+(?:, [a-z0-9-]+)*))");
  std::map<std::string, std::string> out;
  for (const char* dir : {"src", "tools"})
    for (const auto& e : std::filesystem::recursive_directory_iterator(source_root() / dir)) {
      const auto ext = e.path().extension();
      if (ext != ".cpp" && ext != ".hpp") continue;
      const std::string text = read_text(e.path());
      for (std::sregex_iterator it(text.begin(), text.end(), tag), end; it != end; ++it) {
        std::istringstream ids((*it)[1].str());
        for (std::string id; std::getline(ids, id, ',');) out[id.substr(id.find_first_not_of(' '))] = e.path().filename();
      }
    }
  return out;
}

// "Suite.Name" for every TEST/TEST_F/TEST_P in tests/.
std::set<std::string> test_names() {
  static const std::regex test(R"(\bTEST(?:_F|_P)?\((\w+), (\w+)\))");
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(source_root() / "tests")) {
    if (e.path().extension() != ".cpp") continue;
    const std::string text = read_text(e.path());
    for (std::sregex_iterator it(text.begin(), text.end(), test), end; it != end; ++it)
      out.insert((*it)[1].str() + "." + (*it)[2].str());
  }
  return out;
}

TEST(DocsCaRules, EveryReasonCodeIsInARow) {
  std::string all;
  for (const auto& r : rows()) all += r.does + "\n";
  const auto codes = emitted_reason_codes();
  ASSERT_GE(codes.size(), 25u);
  for (const auto& code : codes)
    EXPECT_NE(all.find("`" + code + "`"), std::string::npos) << code << " can be emitted but no row of docs/ca-rules.md names it";
}

TEST(DocsCaRules, EveryRuleMarkedInTheCodeHasItsRowAndIdsAreUnique) {
  std::set<std::string> ids;
  for (const auto& r : rows()) EXPECT_TRUE(ids.insert(r.id).second) << "docs/ca-rules.md:" << r.line << ": id " << r.id << " twice";
  const auto marked = code_rules();
  ASSERT_GE(marked.size(), 10u);
  for (const auto& [id, file] : marked) EXPECT_TRUE(ids.count(id)) << file << " marks rule " << id << ", which docs/ca-rules.md lacks";
}

TEST(DocsCaRules, EveryRowHasASourceAndTestsThatExist) {
  const auto tests = test_names();
  static const std::regex cited(R"(`(\w+)\.(\w+)`)");
  for (const auto& r : rows()) {
    EXPECT_FALSE(r.rule.empty() || r.source.empty() || r.does.empty()) << "docs/ca-rules.md:" << r.line << ": empty cell";
    std::size_t n = 0;
    for (std::sregex_iterator it(r.tests.begin(), r.tests.end(), cited), end; it != end; ++it, ++n) {
      const std::string name = (*it)[1].str() + "." + (*it)[2].str();
      EXPECT_TRUE(tests.count(name)) << "docs/ca-rules.md:" << r.line << " (" << r.id << ") cites " << name << ", no such test";
    }
    EXPECT_GT(n, 0u) << "docs/ca-rules.md:" << r.line << " (" << r.id << ") cites no test";
  }
}

TEST(DocsCaRules, ListsTheCaaIdentitiesOfTheCode) {
  std::string row;
  for (const auto& r : rows())
    if (r.id == "caa-identities") row = r.does;
  ASSERT_FALSE(row.empty()) << "no caa-identities row";
  for (const auto& id : digicert_caa_identities()) EXPECT_NE(row.find("`" + id + "`"), std::string::npos) << id;
}

}  // namespace
}  // namespace dcvkit::test
