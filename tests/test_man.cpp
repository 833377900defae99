// The man pages stay true to the programs: every option a command's --help lists is in its man page
// section (or in a shared option group the section names), nothing more, with the same value
// placeholder; and groff renders them without a single warning.
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "support/doc_roff.hpp"
#include "support/doc_sources.hpp"
#include "support/run.hpp"

namespace dcvkit::test {
namespace {

std::string describe(const RoffOption& o) {
  return std::string(o.short_name ? std::string("-") + o.short_name + ", " : "") + "--" + o.name +
         (o.value.empty() ? "" : " " + o.value);
}

std::map<std::string, RoffOption> from_help(const std::vector<HelpOption>& help) {
  std::map<std::string, RoffOption> out;
  for (const auto& h : help)
    if (h.name != "help") out[h.name] = {h.name, h.short_name, h.value};
  return out;
}

// What a section documents: its own tags plus those of every group it names ("the API options").
std::map<std::string, RoffOption> documented(const RoffSection& section, const std::vector<RoffSection>& all,
                                             const std::string& groups_parent) {
  std::map<std::string, RoffOption> out;
  for (const auto& o : section.options) out[o.name] = o;
  for (const auto& g : section.groups) {
    bool found = false;
    for (const auto& s : all) {
      std::string heading = s.heading;
      for (auto& c : heading) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (s.parent != groups_parent || heading != g) continue;
      found = true;
      for (const auto& o : s.options) out[o.name] = o;
    }
    EXPECT_TRUE(found) << section.heading << " names \"" << g << "\", which no .SS under " << groups_parent << " defines";
  }
  return out;
}

void expect_same(const std::map<std::string, RoffOption>& help, const std::map<std::string, RoffOption>& man,
                 const std::string& where) {
  for (const auto& [name, h] : help) {
    auto it = man.find(name);
    if (it == man.end()) {
      ADD_FAILURE() << where << ": --help lists " << describe(h) << ", the man page does not";
      continue;
    }
    EXPECT_EQ(describe(it->second), describe(h)) << where << ": the man page and --help disagree";
  }
  for (const auto& [name, m] : man)
    if (!help.count(name)) ADD_FAILURE() << where << ": the man page lists " << describe(m) << ", which --help does not know";
}

std::filesystem::path man_page(const std::string& name) { return source_root() / "man" / name; }

TEST(ManPage, EverySubcommandHasASectionWithExactlyItsOptions) {
  const auto sections = roff_sections(read_text(man_page("dcvkit.1")));
  const auto subcommands = cli_subcommands();
  ASSERT_GE(subcommands.size(), 17u);
  for (const auto& sub : subcommands) {
    const RoffSection* section = nullptr;
    for (const auto& s : sections)
      if (s.subsection && s.parent == "COMMANDS" && s.heading == "dcvkit " + sub) section = &s;
    if (!section) {
      ADD_FAILURE() << "no .SS \"dcvkit " << sub << "\" under COMMANDS in man/dcvkit.1";
      continue;
    }
    expect_same(from_help(help_options(sub)), documented(*section, sections, "COMMON OPTIONS"), "dcvkit " + sub);
  }
  for (const auto& s : sections) {
    if (!s.subsection || s.parent != "COMMANDS") continue;
    bool known = false;
    for (const auto& sub : subcommands) known |= s.heading == "dcvkit " + sub;
    EXPECT_TRUE(known) << "man/dcvkit.1 documents \"" << s.heading << "\", which dcvkit --help does not list";
  }
}

TEST(ManPage, SandboxPageListsExactlyItsOptions) {
  const auto sections = roff_sections(read_text(man_page("dcvkit-sandbox.1")));
  const RoffSection* options = nullptr;
  for (const auto& s : sections)
    if (s.heading == "OPTIONS") options = &s;
  ASSERT_NE(options, nullptr) << "no .SH OPTIONS in man/dcvkit-sandbox.1";
  auto man = documented(*options, sections, "OPTIONS");
  man.erase("help");
  expect_same(from_help(sandbox_help_options()), man, "dcvkit-sandbox");
}

TEST(ManPage, HasTheSectionsAUserLooksFor) {
  const auto sections = roff_sections(read_text(man_page("dcvkit.1")));
  for (const char* want : {"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "FILES", "SEE ALSO"}) {
    bool found = false;
    for (const auto& s : sections) found |= !s.subsection && s.heading == want;
    EXPECT_TRUE(found) << "man/dcvkit.1 has no .SH " << want;
  }
}

// Every exit code dcvkit --help announces has its own entry under EXIT STATUS, and no other.
TEST(ManPage, ExitStatusListsEveryCodeOnce) {
  const std::string roff = read_text(man_page("dcvkit.1"));
  const auto start = roff.find(".SH \"EXIT STATUS\"");
  const auto end = roff.find(".SH ENVIRONMENT");
  ASSERT_NE(start, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  const std::string part = roff.substr(start, end - start);
  std::vector<int> codes;
  static const std::regex tag(R"(\.TP\n\.B (\d+)\n)");
  for (std::sregex_iterator it(part.begin(), part.end(), tag), e; it != e; ++it) codes.push_back(std::stoi((*it)[1]));
  std::vector<int> expected;
  for (int i = 0; i <= 19; ++i) expected.push_back(i);
  EXPECT_EQ(codes, expected);
}

TEST(ManPage, GroffAndManRenderWithoutWarnings) {
  for (const char* page : {"dcvkit.1", "dcvkit-sandbox.1"}) {
    const std::string path = man_page(page).string();
    const RunResult groff = run_program({"/usr/bin/groff", "-ww", "-z", "-man", "-Tutf8", path});
    EXPECT_EQ(groff.exit_code, 0) << page << ": " << groff.err;
    EXPECT_EQ(groff.err, "") << page << ": groff warns";
    RunOptions plain;
    plain.env = {{"MANWIDTH", "80"}, {"MANPAGER", "cat"}, {"PAGER", "cat"}};
    const RunResult man = run_program({"/usr/bin/man", "--warnings=w", "-l", path}, plain);
    EXPECT_EQ(man.exit_code, 0) << page << ": " << man.err;
    EXPECT_EQ(man.err, "") << page << ": man -l warns";
    EXPECT_NE(man.out.find("EXIT STATUS"), std::string::npos) << page << " did not render";
  }
}

}  // namespace
}  // namespace dcvkit::test
