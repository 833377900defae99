// dcvkit run over a manifest of a million lines: every line is checked before anything is ordered,
// then the run reads the file as it goes, so memory does not grow with the manifest. The run is
// made to stop at its first certificate (its files cannot be written: a file is in the way), and
// the 999,999 after it are reported as not started: the whole file passes through the command
// twice without a single certificate of it in memory at once.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "support/limit_child.hpp"
#include "support/run_world.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::test;

// Under a sanitizer a million lines take minutes and the memory figure means nothing (see below):
// a smaller manifest still runs every line through the same code.
#ifdef DCVKIT_TEST_SANITIZED
constexpr int kLines = 50000;
#else
constexpr int kLines = 1000000;
#endif

TEST(RunLimits, AMillionLineManifestIsReadAsTheRunGoesInBoundedMemory) {
  RunWorld world;
  const std::string in_the_way = world.dir().write("in-the-way", "a file where a directory is needed\n");
  world.add("first", RunPublish::Webroot, in_the_way + "/first");
  const std::string manifest = world.manifest();
  {
    std::ofstream out(manifest, std::ios::app);
    char line[160];
    for (int i = 1; i < kLines; ++i) {
      std::snprintf(line, sizeof line,
                    R"({"id":"m%07d","names":["m%07d.example.test"],"method":"dns","publish":{"hook":"true"}})"
                    "\n",
                    i, i);
      out << line;
    }
  }
  // The human summary: certificates that are not started are counted, not listed.
  std::vector<std::string> argv = world.run_args({"--concurrency", "1"});
  std::erase(argv, "--jsonl");
  argv.insert(argv.begin(), DCVKIT_BIN);
  const std::string log = world.dir().file("run.log");
  const pid_t pid = spawn_logged(argv, log);
  int status = 0;
  rusage usage{};
  ASSERT_EQ(::wait4(pid, &status, 0, &usage), pid);
  const std::string text = read_text(log);
  ASSERT_TRUE(WIFEXITED(status)) << text;
  EXPECT_EQ(WEXITSTATUS(status), 4) << text;  // an I/O error stopped the run
  const std::string totals = "0 of " + std::to_string(kLines) + " certificates done, 1 failed, " +
                             std::to_string(kLines - 1) + " not started";
  EXPECT_NE(text.find(totals), std::string::npos) << text;
  EXPECT_NE(text.find("STOPPED: io."), std::string::npos) << text;
  EXPECT_NE(text.find(in_the_way), std::string::npos) << text;
  EXPECT_LT(text.size(), 64u * 1024) << "not-started certificates are counted, not listed";
  // Before: the manifest was loaded whole, about 700 MB for these lines. Now: the command's own
  // baseline plus 8 bytes a line for the duplicate check of the first pass.
  // Only without a sanitizer: under ASan+UBSan the command's resident set is over 200 MB before
  // main() (94 MB of instrumentation data, 82 MB of relocations), which would hide what this bound
  // is for.
  const long peak_kib = usage.ru_maxrss;
#ifndef DCVKIT_TEST_SANITIZED
  EXPECT_LT(peak_kib, 48 * 1024) << "peak RSS " << peak_kib << " KiB";
#endif
  std::cout << "[ limits ] dcvkit run, " << kLines << "-line manifest stopped after the first: peak RSS "
            << peak_kib / 1024 << " MiB\n";
  // Exactly one order was placed: nothing after the stop was started.
  EXPECT_EQ(world.sandbox().stats().value("orders_total", 0), 1);
}

}  // namespace
