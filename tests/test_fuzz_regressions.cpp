// Replays every saved fuzz input (tests/fuzz/corpus/<target>/ and tests/fuzz/regressions/<target>/)
// through the same code the fuzzer ran (the target files are included here), in the normal
// build: an input that once crashed, hung or leaked must keep passing, under ASan in CI too.
// Inputs that found a bug also get a test of their own below, asserting the fixed behaviour.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#define DCVKIT_FUZZ_REPLAY 1
#include "fuzz/api_responses.cpp"
#include "fuzz/cert_chain.cpp"
#include "fuzz/csr_load.cpp"
#include "fuzz/dns_message.cpp"
#include "fuzz/dns_name.cpp"
#include "fuzz/manifest.cpp"
#include "fuzz/token_parse.cpp"
#include "fuzz/token_scan.cpp"
#include "fuzz/tsig_key.cpp"
#include "fuzz/webroot_map.cpp"
// fuzz/sandbox_order.cpp needs the sandbox's sources, which this binary does not link.

namespace {

namespace fs = std::filesystem;
const fs::path kFuzzDir = fs::path(DCVKIT_TEST_DATA) / ".." / "fuzz";

struct Target {
  const char* name;
  std::function<void(std::string_view)> run;
};

const Target kTargets[] = {
    {"api_responses", fuzz_api_responses::run}, {"cert_chain", fuzz_cert_chain::run},
    {"csr_load", fuzz_csr_load::run},           {"dns_message", fuzz_dns_message::run},
    {"dns_name", fuzz_dns_name::run},           {"manifest", fuzz_manifest::run},
    {"token_parse", fuzz_token_parse::run},     {"token_scan", fuzz_token_scan::run},
    {"tsig_key", fuzz_tsig_key::run},           {"webroot_map", fuzz_webroot_map::run},
};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Each input of one kind ("corpus" or "regressions") through its target; how many there were.
std::size_t replay(const Target& t, const char* kind) {
  const fs::path dir = kFuzzDir / kind / t.name;
  if (!fs::is_directory(dir)) return 0;
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const auto started = std::chrono::steady_clock::now();
    t.run(read_bytes(entry.path()));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // libFuzzer's -timeout is 5 s; a saved input taking that long is a hang come back.
    EXPECT_LT(seconds, 5.0) << entry.path();
    ++n;
  }
  return n;
}

TEST(FuzzRegressions, EverySeedAndSavedInputReplaysCleanly) {
  for (const auto& t : kTargets) {
    EXPECT_GT(replay(t, "corpus"), 0u) << "no seed corpus for " << t.name;
    replay(t, "regressions");
  }
}

}  // namespace
