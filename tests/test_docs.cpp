// The docs cannot rot: every ```sh block of docs/*.md runs, in order, against a real loopback world
// (BIND, nginx, dcvkit-sandbox) with the dcvkit just built, and must succeed
// (tools/docs/run-doc-blocks.sh does the running; see its header for what a doc may rely on).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "support/doc_sources.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit::test {
namespace {

std::vector<std::filesystem::path> docs() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(source_root() / "docs"))
    if (e.path().extension() == ".md") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// A shell block under another name (```bash, ```console, ```) would silently escape the runner.
TEST(Docs, EveryCodeBlockIsRunShellOrValidatedData) {
  const std::set<std::string> known{"sh", "yaml", "json"};
  ASSERT_GE(docs().size(), 4u);
  for (const auto& doc : docs())
    for (const auto& b : fenced_blocks(read_text(doc)))
      EXPECT_TRUE(known.count(b.info)) << doc.filename() << ":" << b.line << ": a ```" << b.info
                                       << " block: use ```sh (run by the tests), ```yaml or ```json";
}

TEST(Docs, EveryShellBlockRunsAgainstTheSandbox) {
  TempDir bin;  // the runner wants both programs in one directory, first on PATH
  std::filesystem::create_symlink(dcvkit_binary(), bin.path() / "dcvkit");
  std::filesystem::create_symlink(sandbox_binary(), bin.path() / "dcvkit-sandbox");
  const RunResult r = run_program({"/bin/bash", (source_root() / "tools/docs/run-doc-blocks.sh").string(), bin.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  std::size_t ran = 0;
  for (const auto& doc : docs()) {
    std::size_t blocks = 0;
    for (const auto& b : fenced_blocks(read_text(doc))) blocks += b.info == "sh";
    if (blocks == 0) continue;
    ++ran;
    EXPECT_NE(r.out.find("run-doc-blocks: ok   " + doc.filename().string() + " (" ), std::string::npos)
        << doc.filename() << " was not run: " << r.all();
  }
  EXPECT_GE(ran, 2u);
}

}  // namespace
}  // namespace dcvkit::test
