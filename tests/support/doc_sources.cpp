#include "support/doc_sources.hpp"

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "support/run.hpp"

namespace dcvkit::test {

std::filesystem::path source_root() { return std::filesystem::path(DCVKIT_TEST_DATA).parent_path().parent_path(); }

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> emitted_reason_codes() {
  static const std::regex literal(R"rx("((?:dns|http|token|caa|acme)\.[a-z0-9_]+)")rx");
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(source_root() / "src" / "check")) {
    if (e.path().extension() != ".cpp" || e.path().filename() == "hints.cpp") continue;
    std::istringstream in(read_text(e.path()));
    for (std::string line; std::getline(in, line);) {
      if (line.find("make_error") != std::string::npos) continue;
      for (std::sregex_iterator it(line.begin(), line.end(), literal), end; it != end; ++it) out.insert((*it)[1]);
    }
  }
  return out;
}

std::vector<FencedBlock> fenced_blocks(const std::string& markdown) {
  std::vector<FencedBlock> blocks;
  std::istringstream in(markdown);
  std::string line;
  FencedBlock* open = nullptr;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("```", 0) == 0) {
      if (open) {
        open = nullptr;
      } else {
        blocks.push_back({line.substr(3), "", number});
        open = &blocks.back();
      }
    } else if (open) {
      open->body += line + "\n";
    }
  }
  if (open) throw std::runtime_error("unclosed ``` block at line " + std::to_string(open->line));
  return blocks;
}

std::vector<std::string> cli_subcommands() {
  const RunResult r = run_dcvkit({"--help"});
  if (r.exit_code != 0) throw std::runtime_error("dcvkit --help failed: " + r.all());
  // "  token new       compute ..." / "  plan            list ...": one or two lowercase words, then 2+ spaces.
  static const std::regex row(R"(^  ([a-z]+(?: [a-z]+)?)  +\S.*$)");
  std::vector<std::string> out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, row)) out.push_back(m[1]);
  }
  return out;
}

std::vector<HelpOption> help_options(const std::string& subcommand) {
  std::vector<std::string> argv;
  std::istringstream words(subcommand);
  for (std::string w; words >> w;) argv.push_back(w);
  argv.push_back("--help");
  const RunResult r = run_dcvkit(argv);
  if (r.exit_code != 0) throw std::runtime_error("dcvkit " + subcommand + " --help failed: " + r.all());
  return parse_help_options(r.out);
}

std::vector<HelpOption> sandbox_help_options() {
  const RunResult r = run_program({DCVKIT_SANDBOX_BIN, "--help"});
  if (r.exit_code != 0) throw std::runtime_error("dcvkit-sandbox --help failed: " + r.all());
  return parse_help_options(r.out);
}

std::vector<HelpOption> parse_help_options(const std::string& help_text) {
  // cxxopts: "  -v, --verbose  text" or "      --csr FILE  text". The fixed indent keeps wrapped
  // description lines (indented further) from being read as options.
  static const std::regex row(R"(^  (?:-([A-Za-z0-9]), |    )--([a-z0-9][a-z0-9-]*)(?: ([A-Za-z0-9_.\[\]:|-]+))?(?:\s.*)?$)");
  std::vector<HelpOption> out;
  std::istringstream in(help_text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    HelpOption o;
    o.name = m[2];
    if (m[1].matched) o.short_name = m[1].str()[0];
    if (m[3].matched) o.value = m[3];
    out.push_back(o);
  }
  return out;
}

std::string dcvkit_binary() { return DCVKIT_BIN; }
std::string sandbox_binary() { return DCVKIT_SANDBOX_BIN; }

bool takes_path(const std::string& metavar) {
  return metavar == "FILE" || metavar == "DIR" || metavar.rfind("FILE.", 0) == 0 || metavar == "PATH";
}

}  // namespace dcvkit::test
