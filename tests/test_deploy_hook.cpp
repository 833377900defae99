// The deploy hook itself (dcvkit/deploy.hpp): what its environment holds and lacks, and how its
// failures read. The commands that run it are tested end to end in test_order_e2e and test_run_e2e.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "dcvkit/deploy.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace {

using dcvkit::test::read_text;
using dcvkit::test::TempDir;

dcvkit::DeployedCertificate certificate(const TempDir& dir) {
  return {"shop", {"shop.example.test", "www.shop.example.test"}, dir.path().string(), dir.file("cert.pem"),
          dir.file("chain.pem"), dir.file("fullchain.pem"), dir.file("shop.key")};
}

TEST(DeployHook, TheEnvironmentNamesTheFilesAndHoldsNoSecret) {
  TempDir dir;
  ::setenv("DCVKIT_API_KEY", "api-key-that-must-not-leak", 1);
  ::setenv("DCVKIT_AUTH_KEY", "auth-key-that-must-not-leak", 1);
  ::setenv("DCVKIT_CERT_PATH", "/inherited/must/not/pass/for/ours", 1);
  const auto st = dcvkit::run_deploy_hook({"env > " + dir.file("env.txt"), 0, 10}, certificate(dir));
  ::unsetenv("DCVKIT_API_KEY");
  ::unsetenv("DCVKIT_AUTH_KEY");
  ::unsetenv("DCVKIT_CERT_PATH");
  ASSERT_TRUE(st.ok()) << st.error().message;
  const std::string env = read_text(dir.file("env.txt"));
  for (const std::string& line : std::vector<std::string>{
           "DCVKIT_CERT_ID=shop", "DCVKIT_NAMES=shop.example.test www.shop.example.test", "DCVKIT_CERT_DIR=" + dir.path().string(),
        "DCVKIT_CERT_PATH=" + dir.file("cert.pem"), "DCVKIT_CHAIN_PATH=" + dir.file("chain.pem"),
        "DCVKIT_FULLCHAIN_PATH=" + dir.file("fullchain.pem"), "DCVKIT_KEY_PATH=" + dir.file("shop.key"),
        "RENEWED_LINEAGE=" + dir.path().string(), "RENEWED_DOMAINS=shop.example.test www.shop.example.test"})
    EXPECT_NE(env.find(line + "\n"), std::string::npos) << line << " not in:\n" << env;
  EXPECT_EQ(env.find("must-not-leak"), std::string::npos) << env;
  EXPECT_EQ(env.find("/inherited/"), std::string::npos) << env;
}

TEST(DeployHook, AFailureSaysHowItEndedAndWhatItPrinted) {
  TempDir dir;
  const auto st = dcvkit::run_deploy_hook({"echo 'nginx: configuration test failed' >&2; exit 3", 0, 10}, certificate(dir));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, dcvkit::ErrorKind::DeployFailed);
  EXPECT_EQ(st.error().code, "deploy.hook_failed");
  EXPECT_NE(st.error().message.find("exited with status 3"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("configuration test failed"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().hint.find("in place"), std::string::npos) << st.error().hint;
}

TEST(DeployHook, AHookThatHangsIsStoppedAtItsTimeout) {
  TempDir dir;
  const auto start = std::chrono::steady_clock::now();
  const auto st = dcvkit::run_deploy_hook({"sleep 30", 0, 1}, certificate(dir));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "deploy.hook_timed_out");
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(DeployHook, TheDelayComesFirstAndNoHookIsNothing) {
  TempDir dir;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(dcvkit::run_deploy_hook({"true", 1, 10}, certificate(dir)).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_TRUE(dcvkit::run_deploy_hook({"", 0, 10}, certificate(dir)).ok());
}

}  // namespace
