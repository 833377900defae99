// dcvkit run through a CA that misbehaves the ways a real API does: bursts of 5xx and of 429,
// connections closed after the order was stored, 10 s stalls of an order POST and of the order
// lookup. The run survives all of it and ends where a calm run ends: every certificate issued
// exactly once, the ledger agreeing with the CA, every file verifying.
#include <gtest/gtest.h>

#include <regex>

#include "support/run_world.hpp"

namespace {

using namespace dcvkit::test;

std::size_t count_matches(const std::string& text, const std::regex& re) {
  return static_cast<std::size_t>(std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

TEST(RunFaults, BurstsDropsAndStallsEndInTheSameStateWithoutDuplicates) {
  TempDir logs;
  const std::string log = logs.file("requests.log");
  RunWorldOptions o;
  // "/order/certificate/" (the POST) and "/order/certificate" (list and info) are separate
  // counters. The stalls are 10 s; the client's limit per request (90 s) outlasts them.
  o.faults_json = R"([
    {"method": "POST", "path": "/order/certificate/", "nth": 2, "count": 3, "action": "status", "status": 500},
    {"method": "POST", "path": "/order/certificate/", "nth": 6, "count": 3, "action": "status", "status": 429},
    {"method": "POST", "path": "/order/certificate/", "nth": 11, "action": "close_after_store"},
    {"method": "POST", "path": "/order/certificate/", "nth": 14, "action": "close_after_store"},
    {"method": "POST", "path": "/order/certificate/", "nth": 17, "action": "delay", "ms": 10000},
    {"method": "POST", "path": "/order/certificate/", "nth": 20, "count": 2, "action": "status", "status": 503},
    {"method": "GET", "path": "/order/certificate", "nth": 2, "count": 2, "action": "status", "status": 502},
    {"method": "GET", "path": "/order/certificate", "nth": 5, "action": "delay", "ms": 10000},
    {"method": "*", "path": "/", "nth": 40, "count": 3, "action": "status", "status": 429}
  ])";
  o.sandbox_args = {"--log", log};
  RunWorld world(o);
  for (int i = 1; i <= 30; ++i)
    world.add("f" + std::to_string(i), i % 6 == 0 ? RunPublish::Dns : RunPublish::Webroot);
  world.manifest();

  auto r = world.run({"--concurrency", "6"});
  EXPECT_EQ(r.exit_code, 0) << r.all().substr(0, 20000);
  for (const auto& problem : world.audit()) ADD_FAILURE() << problem;

  // Every kind of fault really happened.
  const std::string requests = read_text(log);
  EXPECT_GE(count_matches(requests, std::regex("POST \\S+ 500 ")), 3u) << requests;
  EXPECT_GE(count_matches(requests, std::regex("POST \\S+ 503 ")), 2u) << requests;
  EXPECT_GE(count_matches(requests, std::regex(" 429 ")), 6u) << requests;
  EXPECT_GE(count_matches(requests, std::regex("GET \\S+ 502 ")), 2u) << requests;
  EXPECT_EQ(count_matches(requests, std::regex("POST \\S+ closed")), 2u) << requests;
  EXPECT_EQ(count_matches(requests, std::regex("POST \\S+ 201 1\\d{4}ms")), 1u) << requests;
  EXPECT_EQ(count_matches(requests, std::regex("GET \\S+ 200 1\\d{4}ms")), 1u) << requests;
  EXPECT_EQ(r.all().find(world.sandbox().api_key()), std::string::npos);
}

}  // namespace
