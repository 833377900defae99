// The bash completion stays true to the program: driven in a real bash through COMP_WORDS, it offers
// exactly the subcommands of `dcvkit --help` and exactly the options of each `--help`, files after
// options whose value is a FILE, directories after DIR, and no files after other values.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "support/doc_sources.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit::test {
namespace {

std::string completion_script() { return (source_root() / "completion" / "dcvkit.bash").string(); }

// Words are simple (no quotes or spaces), so the script can list them literally.
std::string words_array(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += " '" + w + "'";
  return out;
}

// Runs the completion function once per case in one bash; returns one suggestion set per case.
std::vector<std::set<std::string>> complete_all(const std::vector<std::vector<std::string>>& cases, const std::string& cwd) {
  std::string script = "set -u\nsource '" + completion_script() + "'\n"
                       "c() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE};\n"
                       "  COMPREPLY=(); _dcvkit; echo \"${COMPREPLY[*]:-}\"; }\n";
  for (const auto& words : cases) script += "c" + words_array(words) + "\n";
  RunOptions in_dir;
  in_dir.cwd = cwd;
  const RunResult r = run_program({"/bin/bash", "--norc", "--noprofile", "-c", script}, in_dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::set<std::string>> out;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::set<std::string> s;
    for (std::string w; words >> w;) s.insert(w);
    out.push_back(s);
  }
  EXPECT_EQ(out.size(), cases.size()) << r.out;
  out.resize(cases.size());
  return out;
}

std::vector<std::string> split(const std::string& sub) {
  std::vector<std::string> out{"dcvkit"};
  std::istringstream in(sub);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& w : s) out += w + " ";
  return out;
}

TEST(Completion, SourcesAndRegistersForDcvkit) {
  const RunResult r = run_program({"/bin/bash", "--norc", "--noprofile", "-c", "source '" + completion_script() + "' && complete -p dcvkit"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "complete -F _dcvkit dcvkit\n");
}

TEST(Completion, OffersExactlyTheCommandsOfHelp) {
  const auto subcommands = cli_subcommands();
  std::set<std::string> groups;
  std::map<std::string, std::set<std::string>> second;
  for (const auto& sub : subcommands) {
    auto words = split(sub);
    groups.insert(words[1]);
    if (words.size() == 3) second[words[1]].insert(words[2]);
  }
  std::vector<std::vector<std::string>> cases{{"dcvkit", ""}};
  for (const auto& [group, _] : second) cases.push_back({"dcvkit", group, ""});
  const auto got = complete_all(cases, source_root().string());
  groups.insert("--help");
  groups.insert("--version");
  EXPECT_EQ(join(got[0]), join(groups));
  std::size_t i = 1;
  for (const auto& [group, subs] : second) EXPECT_EQ(join(got[i++]), join(subs)) << "dcvkit " << group;
}

TEST(Completion, OffersExactlyTheOptionsOfEachHelp) {
  const auto subcommands = cli_subcommands();
  std::vector<std::vector<std::string>> cases;
  for (const auto& sub : subcommands) {
    auto words = split(sub);
    words.push_back("-");
    cases.push_back(words);
  }
  const auto got = complete_all(cases, source_root().string());
  for (std::size_t i = 0; i < subcommands.size(); ++i) {
    std::set<std::string> want;
    for (const auto& o : help_options(subcommands[i])) {
      want.insert("--" + o.name);
      if (o.short_name) want.insert(std::string("-") + o.short_name);
    }
    EXPECT_EQ(join(got[i]), join(want)) << "dcvkit " << subcommands[i] << " -<TAB>";
  }
}

TEST(Completion, CompletesPathsExactlyWhereTheValueIsAPath) {
  TempDir dir;
  dir.write("shop.csr", "x");
  std::filesystem::create_directory(dir.path() / "webroot");
  struct Case {
    std::string sub, option, value;
  };
  std::vector<Case> meta;
  std::vector<std::vector<std::string>> cases;
  for (const auto& sub : cli_subcommands())
    for (const auto& o : help_options(sub)) {
      if (o.value.empty()) continue;
      auto words = split(sub);
      words.push_back("--" + o.name);
      words.push_back("");
      cases.push_back(words);
      meta.push_back({sub, o.name, o.value});
    }
  ASSERT_GT(cases.size(), 50u);
  const auto got = complete_all(cases, dir.path().string());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& m = meta[i];
    const std::string where = "dcvkit " + m.sub + " --" + m.option + " <TAB> (value " + m.value + ")";
    if (m.value == "DIR") {
      EXPECT_EQ(join(got[i]), "webroot ") << where;
    } else if (takes_path(m.value)) {
      EXPECT_EQ(join(got[i]), "shop.csr webroot ") << where;
    } else {
      EXPECT_FALSE(got[i].count("shop.csr")) << where << " offers files: " << join(got[i]);
      EXPECT_FALSE(got[i].count("--json")) << where << " offers options where a value goes";
    }
  }
}

TEST(Completion, OffersTheAllowedWordsForEnumeratedValues) {
  const auto got = complete_all({{"dcvkit", "csr", "new", "--key-type", "p"},
                                 {"dcvkit", "order", "submit", "--method", ""},
                                 {"dcvkit", "token", "new", "--csr-form", "pem"}},
                                source_root().string());
  EXPECT_EQ(join(got[0]), "p256 p384 ");
  EXPECT_EQ(join(got[1]), "dns dns-txt-token http http-token ");
  EXPECT_EQ(join(got[2]), "pem pem-lf ");
}

}  // namespace
}  // namespace dcvkit::test
