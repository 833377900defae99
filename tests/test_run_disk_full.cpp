// dcvkit run when the certificate files cannot be written: the run stops (exit 4) with an error
// naming the path, leaves no partial file, keeps the chain in the ledger, and the next run (once
// the cause is gone) writes the files without ordering again.
//   - a real full disk: a small tmpfs mounted for the test (needs root, or an unprivileged user
//     namespace; skipped, saying why, only when neither is available);
//   - always: an output path that cannot become a directory (a file is in the way).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/run_world.hpp"
#include "support/small_tmpfs.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::test;
namespace fs = std::filesystem;

// Four certificates run one at a time: k1 writes normally, k2 cannot be written, k3 and k4 come
// after the stop. `blocked_dir` is k2's out_dir; `unblock` removes the cause.
void expect_stop_then_resume(RunWorld& world, const std::string& blocked_dir, const std::function<void()>& unblock) {
  world.add("k1", RunPublish::Webroot);
  world.add("k2", RunPublish::Webroot, blocked_dir);
  world.add("k3", RunPublish::Webroot);
  world.add("k4", RunPublish::Dns);
  world.manifest();

  auto first = world.run({"--concurrency", "1"});
  EXPECT_EQ(first.exit_code, 4) << first.all();
  const auto summary = nlohmann::json::parse(first.out.substr(first.out.rfind("{\"summary\"")), nullptr, false);
  ASSERT_TRUE(summary.is_object()) << first.out;
  const auto& stopped = summary["summary"]["stopped"];
  EXPECT_NE(stopped["message"].get<std::string>().find(blocked_dir), std::string::npos) << stopped.dump();
  EXPECT_EQ(stopped["code"].get<std::string>().rfind("io.", 0), 0u) << stopped.dump();
  EXPECT_NE(stopped["hint"].get<std::string>().find("--export"), std::string::npos) << stopped.dump();
  EXPECT_EQ(summary["summary"]["not_started"], 2) << summary.dump();

  // Nothing partial: no certificate file (nor temp file) where k2's should be.
  std::error_code ec;
  if (fs::is_directory(blocked_dir, ec))
    for (const auto& e : fs::directory_iterator(blocked_dir)) ADD_FAILURE() << "left behind: " << e.path();
  // The chain is safe in the ledger; nothing after k2 was ordered.
  {
    auto ledger = Ledger::open_read_only(world.state());
    ASSERT_TRUE(ledger.ok());
    auto k2 = (*ledger)->get("k2");
    ASSERT_TRUE(k2.ok() && k2->has_value());
    EXPECT_EQ((*k2)->stage, Stage::Failed);
    EXPECT_EQ((*k2)->failed_stage, Stage::Issued);
    EXPECT_NE((*k2)->chain_pem.find("BEGIN CERTIFICATE"), std::string::npos);
    auto k3 = (*ledger)->get("k3");
    ASSERT_TRUE(k3.ok());
    EXPECT_FALSE(k3->has_value()) << "k3 was started after the stop";
  }
  EXPECT_EQ(world.sandbox().stats()["orders_total"], 2);

  unblock();
  auto second = world.run({"--concurrency", "1"});
  EXPECT_EQ(second.exit_code, 0) << second.all();
  for (const auto& problem : world.audit()) ADD_FAILURE() << problem;
}

TEST(RunDiskFull, FullTmpfsStopsTheRunAndTheNextRunWritesTheFiles) {
  RunWorld world;
  const std::string mount_dir = world.dir().file("small");
  SmallTmpfs tmpfs(mount_dir, 64 * 1024);
  if (!tmpfs.mounted())
    GTEST_SKIP() << "cannot mount a tmpfs here (" << tmpfs.error()
                 << "); needs root or CAP_SYS_ADMIN. The injected-failure test below still runs.";
  // Leave one page: the first of k2's four files fits, the second does not.
  const std::string filler = mount_dir + "/filler";
  { std::ofstream(filler, std::ios::binary) << std::string(60 * 1024, 'x'); }
  expect_stop_then_resume(world, mount_dir + "/k2", [&] { fs::remove(filler); });
}

TEST(RunDiskFull, UnwritableOutputDirStopsTheRunAndTheNextRunWritesTheFiles) {
  RunWorld world;
  const std::string blocked = world.dir().file("blocked/k2");
  fs::create_directories(world.dir().file("blocked"));
  { std::ofstream(blocked) << "a file where the output directory should be\n"; }
  expect_stop_then_resume(world, blocked, [&] { fs::remove(blocked); });
}

}  // namespace
