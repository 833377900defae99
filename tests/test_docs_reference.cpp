// The reference pages say what the code does: the reason codes `check` can emit are exactly those
// docs/reason-codes.md documents, each with the hint the CLI prints; the manifest keys the parser
// accepts are exactly those docs/manifest.md lists, and its examples parse; the CI snippets of
// docs/getting-started.md are YAML, and every dcvkit command in them passes the real option parser.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "dcvkit/check.hpp"
#include "dcvkit/manifest.hpp"
#include "support/doc_sources.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit::test {
namespace {

std::string docs_file(const std::string& name) { return read_text(source_root() / "docs" / name); }

// "### `dns.nxdomain`" -> its section text, up to the next heading.
std::map<std::string, std::string> reason_sections() {
  const std::string md = docs_file("reason-codes.md");
  static const std::regex heading(R"(^### `([a-z]+\.[a-z0-9_]+)`$)", std::regex::multiline);
  std::map<std::string, std::string> out;
  std::vector<std::pair<std::string, std::size_t>> starts;
  for (std::sregex_iterator it(md.begin(), md.end(), heading), e; it != e; ++it)
    starts.push_back({(*it)[1], static_cast<std::size_t>(it->position() + it->length())});
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::size_t end = md.find("\n#", starts[i].second);
    out[starts[i].first] = md.substr(starts[i].second, end == std::string::npos ? std::string::npos : end - starts[i].second);
  }
  return out;
}

TEST(DocsReasonCodes, EveryEmittedCodeIsDocumentedAndNothingElse) {
  const auto documented = reason_sections();
  const auto emitted = emitted_reason_codes();
  ASSERT_GE(emitted.size(), 25u);
  for (const auto& code : emitted) EXPECT_TRUE(documented.count(code)) << code << " can be emitted but is not in docs/reason-codes.md";
  for (const auto& [code, _] : documented)
    EXPECT_TRUE(emitted.count(code)) << "docs/reason-codes.md documents " << code << ", which src/check never emits";
}

TEST(DocsReasonCodes, EachSectionQuotesTheHintAndSaysMore) {
  for (const auto& [code, text] : reason_sections()) {
    const std::string hint(hint_for(code));
    EXPECT_FALSE(hint.empty()) << code << " has no hint in src/check/hints.cpp";
    EXPECT_NE(text.find("\nHint: " + hint + "\n"), std::string::npos) << code << ": the doc does not quote the hint \"" << hint << "\"";
    EXPECT_GT(text.size(), hint.size() + 80) << code << ": say what it means and what to do, not only the hint";
  }
}

// Keys of the tables in one "## ..." part of docs/manifest.md: the first cell, `backticked`.
std::set<std::string> manifest_table_keys(const std::string& part_heading) {
  const std::string md = docs_file("manifest.md");
  const auto start = md.find("\n## " + part_heading + "\n");
  EXPECT_NE(start, std::string::npos) << "no \"## " << part_heading << "\" in docs/manifest.md";
  if (start == std::string::npos) return {};
  const auto end = md.find("\n## ", start + 1);
  const std::string part = md.substr(start, end == std::string::npos ? std::string::npos : end - start);
  static const std::regex row(R"(^\| `([a-z_]+)` \|)", std::regex::multiline);
  std::set<std::string> out;
  for (std::sregex_iterator it(part.begin(), part.end(), row), e; it != e; ++it) out.insert((*it)[1]);
  return out;
}

// The parser's own list of allowed keys, from the error an unknown key gets ("allowed: id, names, ...").
std::set<std::string> parser_keys(const std::string& line) {
  auto r = parse_manifest_line(line, "/tmp", "test:1");
  EXPECT_FALSE(r.ok()) << line;
  if (r.ok()) return {};
  const std::string& hint = r.error().hint;
  EXPECT_EQ(hint.rfind("allowed: ", 0), 0u) << hint;
  std::set<std::string> out;
  std::istringstream in(hint.substr(9));
  for (std::string k; std::getline(in, k, ',');) out.insert(k.substr(k.find_first_not_of(' ')));
  return out;
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& k : s) out += k + " ";
  return out;
}

TEST(DocsManifest, DocumentsExactlyTheKeysTheParserAccepts) {
  EXPECT_EQ(join(manifest_table_keys("Certificate (one line)")), join(parser_keys(R"({"zz_unknown": 1})")));
  EXPECT_EQ(join(manifest_table_keys("`publish`")),
            join(parser_keys(R"({"id": "a", "names": ["a.example.test"], "method": "dns", "publish": {"zz_unknown": 1}})")));
  EXPECT_EQ(join(manifest_table_keys("`publish.dns`")),
            join(parser_keys(R"({"id": "a", "names": ["a.example.test"], "method": "dns", "publish": {"dns": {"zz_unknown": 1}}})")));
  EXPECT_EQ(join(manifest_table_keys("`ca.acme`: certificates from an ACME CA")),
            join(parser_keys(R"({"id": "a", "names": ["a.example.test"], "ca": {"acme": {"zz_unknown": 1}}})")));
}

TEST(DocsManifest, EveryExampleLineParses) {
  std::size_t examples = 0;
  for (const auto& b : fenced_blocks(docs_file("manifest.md"))) {
    if (b.info != "json") continue;
    ++examples;
    auto r = parse_manifest_line(b.body.substr(0, b.body.find_last_not_of('\n') + 1), "/srv/dcvkit", "manifest.md:" + std::to_string(b.line));
    EXPECT_TRUE(r.ok()) << "docs/manifest.md:" << b.line << ": " << (r.ok() ? "" : r.error().message);
  }
  EXPECT_GE(examples, 4u);
}

// "dcvkit run --manifest x ..." inside a YAML step, joined with its backslash continuations.
std::vector<std::vector<std::string>> dcvkit_commands(const std::string& yaml) {
  std::vector<std::vector<std::string>> out;
  std::istringstream in(yaml);
  static const std::regex start(R"(^\s*(?:- )?(?:run: )?(dcvkit .*)$)");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, start)) continue;
    std::string command = m[1];
    while (!command.empty() && command.back() == '\\' && std::getline(in, line)) command.pop_back(), command += line;
    std::istringstream words(command);
    std::vector<std::string> argv;
    for (std::string w; words >> w;) argv.push_back(w.find('$') != std::string::npos ? "placeholder" : w);
    out.push_back(argv);
  }
  return out;
}

TEST(DocsCi, SnippetsAreYamlAndTheirCommandsPassTheOptionParser) {
  TempDir dir;
  std::size_t snippets = 0, commands = 0;
  for (const auto& b : fenced_blocks(docs_file("getting-started.md"))) {
    if (b.info != "yaml") continue;
    ++snippets;
    const std::string file = dir.write("snippet.yaml", b.body);
    const RunResult parsed =
        run_program({"/usr/bin/python3", "-c", "import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert isinstance(d, dict)", file});
    EXPECT_EQ(parsed.exit_code, 0) << "getting-started.md:" << b.line << " is not a YAML mapping: " << parsed.err;
    for (auto argv : dcvkit_commands(b.body)) {
      ++commands;
      // The parser reads every option before it looks at --help: an unknown option or a bad value fails (2).
      std::vector<std::string> args(argv.begin() + 1, argv.end());
      args.push_back("--help");
      const RunResult r = run_dcvkit(args);
      EXPECT_EQ(r.exit_code, 0) << "getting-started.md:" << b.line << ": the CLI refuses `" << ::testing::PrintToString(argv) << "`: " << r.all();
    }
  }
  EXPECT_GE(snippets, 2u);
  EXPECT_GE(commands, 4u);
}

// The check above would pass vacuously if --help stopped parsing the rest: prove it does not.
TEST(DocsCi, AnUnknownOptionBeforeHelpIsRefused) {
  const RunResult r = run_dcvkit({"run", "--manifest", "x", "--no-such-option", "--help"});
  EXPECT_EQ(r.exit_code, 2) << r.all();
}

// The man page's EXAMPLES, executed: the steps that need no network for real, in a scratch
// directory (the webroot /var/www/shop replaced by a scratch one), the rest (check, order) through
// the real option parser. The man page once showed `publish --csr ... --token ...`, which exits 2.
TEST(DocsMan, ExamplesRun) {
  std::string man = read_text((source_root() / "man" / "dcvkit.1").string());
  const auto start = man.find(".SH EXAMPLES\n.nf\n");
  ASSERT_NE(start, std::string::npos);
  const auto end = man.find("\n.fi", start);
  std::string text = man.substr(start + 17, end - start - 17);
  for (auto [from, to] : {std::pair<std::string, std::string>{"\\-", "-"}, {"\\e", "\\"}})
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
  std::vector<std::string> commands;  // continuation lines joined
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!commands.empty() && !commands.back().empty() && commands.back().back() == '\\')
      commands.back().pop_back(), commands.back() += line;
    else
      commands.push_back(line);
  }
  ASSERT_GE(commands.size(), 5u) << text;

  TempDir dir;
  dir.write("authkey", "man-page-example-authkey-0123456789\n");
  std::filesystem::create_directories(dir.path() / "www");
  const std::string bin_dir = std::filesystem::path(DCVKIT_BIN).parent_path().string();
  std::string script = "set -euo pipefail\ncd '" + dir.path().string() + "'\nexport PATH='" + bin_dir + "':\"$PATH\"\n";
  std::size_t executed = 0, parsed = 0;
  for (auto command : commands) {
    if (command.find("dcvkit check") != std::string::npos || command.find("dcvkit order") != std::string::npos) {
      std::istringstream words(command.substr(command.find("dcvkit ") + 7));
      std::vector<std::string> argv;
      for (std::string w; words >> w;) argv.push_back(w.find('$') != std::string::npos ? "placeholder" : w);
      argv.push_back("--help");
      const RunResult r = run_dcvkit(argv);
      EXPECT_EQ(r.exit_code, 0) << "man page example `" << command << "`: " << r.all();
      ++parsed;
      continue;
    }
    for (auto at = command.find("/var/www/shop"); at != std::string::npos; at = command.find("/var/www/shop"))
      command.replace(at, 13, dir.file("www"));
    script += command + "\n";
    ++executed;
  }
  const RunResult r = run_program({"/bin/bash", "-c", script});
  EXPECT_EQ(r.exit_code, 0) << script << "\n" << r.all();
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "www" / ".well-known" / "pki-validation" / "fileauth.txt")) << r.all();
  EXPECT_GE(executed, 3u);
  EXPECT_GE(parsed, 2u);
}

}  // namespace
}  // namespace dcvkit::test
