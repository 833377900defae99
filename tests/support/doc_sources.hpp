// What the documentation tests read: files of the source tree, fenced blocks of the Markdown docs,
// and the options each subcommand's real --help lists (the truth the man page and completion follow).
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace dcvkit::test {

// The repository root (tests/data/../..), so tests read docs/, man/, completion/ and src/ in place.
std::filesystem::path source_root();
std::string read_text(const std::filesystem::path& path);

struct FencedBlock {
  std::string info;  // the word after ``` ("sh", "yaml", "json", ...)
  std::string body;
  int line = 0;      // 1-based line of the opening fence
};
std::vector<FencedBlock> fenced_blocks(const std::string& markdown);

// "token new", "plan", ... as `dcvkit --help` lists them.
std::vector<std::string> cli_subcommands();

struct HelpOption {
  std::string name;     // long name without dashes: "auth-key-file"
  char short_name = 0;  // 'v' for "-v, --verbose", else 0
  std::string value;    // the metavar ("FILE", "N"), empty for a flag
};
// The options `dcvkit <subcommand> --help` lists (cxxopts format), --help itself included.
std::vector<HelpOption> help_options(const std::string& subcommand);
// The same for `dcvkit-sandbox --help`.
std::vector<HelpOption> sandbox_help_options();
// Parses cxxopts --help text.
std::vector<HelpOption> parse_help_options(const std::string& help_text);

// The reason codes src/check/ can emit: its "dns.*", "http.*", "token.*", "caa.*" literals outside
// make_error (which builds errors of the probe itself, e.g. a bad --resolver, not verdicts).
std::set<std::string> emitted_reason_codes();

// The built programs the tests run.
std::string dcvkit_binary();
std::string sandbox_binary();

// A metavar naming a path: completion offers files for these.
bool takes_path(const std::string& metavar);

}  // namespace dcvkit::test
