// dcvkit run, 200 certificates, killed with SIGKILL again and again while certificates sit at
// different stages, restarted each time: in the end every certificate is ordered exactly once
// (the sandbox's own order list says so), the ledger agrees with the sandbox, every file verifies.
//
// Each kill is aimed at a stage by holding the real step there for a moment: a publishing hook
// that waits (token_ready), a token that appears on the web server only later (published), the CA
// stopped with SIGSTOP while orders are in flight (ordering), an order whose answer is lost and
// whose check-dcv is slow (ordered), an unpublishing hook that waits (written). issued and
// checked last milliseconds: those kills come when the ledger shows them, if it does in time.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <set>
#include <thread>

#include "support/run_world.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::test;

std::string id_of(int i) {
  std::string n = std::to_string(i);
  return "r" + std::string(3 - n.size(), '0') + n;
}

std::string stage_list(const std::set<Stage>& stages) {
  std::string s;
  for (auto st : stages) s += std::string(s.empty() ? "" : ", ") + std::string(to_string(st));
  return s;
}

TEST(RunReliability, TwoHundredCertificatesKilledAtEveryStageAreEachIssuedExactlyOnce) {
  // The first order POST is stored but its answer lost (the run finds it by lookup: ordered),
  // and the first check-dcv is held 4 s: the kill aimed at ordered lands there.
  RunWorldOptions o;
  o.faults_json = R"([{"method": "POST", "path": "/order/certificate/", "nth": 1, "action": "close_after_store"},
                      {"method": "PUT", "path": "/order/certificate/", "nth": 1, "action": "delay", "ms": 4000}])";
  RunWorld world(o);
  // Mostly webroot (fast), every 10th over RFC 2136 DNS (two names), every 20th (offset) a hook.
  for (int i = 1; i <= 200; ++i)
    world.add(id_of(i), i % 10 == 0 ? RunPublish::Dns : i % 20 == 5 ? RunPublish::Hook : RunPublish::Webroot);
  world.manifest();
  // A short request timeout keeps the in-flight window of orders lost in the SIGSTOP round short.
  const std::vector<std::string> flags = {"--concurrency", "8", "--api-timeout", "20"};

  struct Round {
    Stage target;
    std::function<void()> hold, release;
    int timeout_ms;
    bool must_see;  // a held stage must be seen; a fleeting one is taken when it shows
  };
  const pid_t sandbox = world.sandbox().pid();
  auto no_op = [] {};
  const std::vector<Round> rounds = {
      {Stage::Ordered, no_op, no_op, 20000, true},
      {Stage::TokenReady, [&] { world.close_gate(RunGate::Publish); }, [&] { world.open_gate(RunGate::Publish); }, 20000, true},
      {Stage::Published, [&] { world.close_gate(RunGate::Propagation); }, [&] { world.open_gate(RunGate::Propagation); }, 20000, true},
      {Stage::Issued, no_op, no_op, 6000, false},
      {Stage::Written, [&] { world.close_gate(RunGate::Unpublish); }, [&] { world.open_gate(RunGate::Unpublish); }, 20000, true},
      {Stage::Checked, no_op, no_op, 6000, false},
      // Last: orders whose POST never arrived are only re-sent once their in-flight window (20 s + 30 s) has passed.
      {Stage::Ordering, [&] { ::kill(sandbox, SIGSTOP); }, [&] { ::kill(sandbox, SIGCONT); }, 20000, true},
  };
  std::set<Stage> killed_at;  // the target stages the kills hit
  std::set<Stage> interrupted;  // every stage a certificate was in at some kill
  int n = 0;
  for (const auto& round : rounds) {
    round.hold();
    const pid_t pid = world.spawn("run-" + std::to_string(++n) + ".log", flags);
    const std::set<Stage> present = world.wait_for_stage(round.target, round.timeout_ms);
    RunWorld::kill_and_reap(pid);
    round.release();
    if (round.must_see) {
      EXPECT_TRUE(present.count(round.target)) << "round " << n << " never saw " << to_string(round.target) << "\n"
                                               << read_text(world.dir().file("run-" + std::to_string(n) + ".log"));
    }
    if (present.count(round.target)) killed_at.insert(round.target);
    interrupted.insert(present.begin(), present.end());
  }
  EXPECT_GE(killed_at.size(), 5u) << stage_list(killed_at);
  std::cout << "[ killed at ] " << stage_list(killed_at) << "; certificates interrupted at " << stage_list(interrupted) << "\n";

  // The last run finishes the job; the one after it has nothing left to do.
  auto last = world.run(flags);
  EXPECT_EQ(last.exit_code, 0) << last.all().substr(0, 20000);
  for (const auto& problem : world.audit()) ADD_FAILURE() << problem;
  auto again = world.run(flags);
  EXPECT_EQ(again.exit_code, 0) << again.all().substr(0, 4000);
  EXPECT_NE(again.out.find("\"api_requests\":0"), std::string::npos) << again.out.substr(again.out.size() - 400);
  EXPECT_EQ(world.sandbox().stats()["orders_total"], 200);
  EXPECT_EQ(last.all().find(world.sandbox().api_key()), std::string::npos);
}

// The CA takes `delay_ms` over each of the first three order POSTs (it stores the order at the
// end); the run is killed with SIGKILL once the three POSTs are on their way and started again at
// once with `rerun_timeout`. The rerun must not send the orders again while the first POSTs may
// still be in flight: the CA ends with exactly three orders, each issued once.
void slow_ca_killed_and_rerun(const std::string& first_timeout, const std::string& rerun_timeout, int delay_ms) {
  RunWorldOptions o;
  o.faults_json = R"([{"method": "POST", "path": "/order/certificate/", "nth": 1, "count": 3, "action": "delay", "ms": )" +
                  std::to_string(delay_ms) + "}]";
  RunWorld world(o);
  for (int i = 1; i <= 3; ++i) world.add("slow" + std::to_string(i), RunPublish::Webroot);
  world.manifest();
  const pid_t pid = world.spawn("first.log", {"--concurrency", "3", "--api-timeout", first_timeout});
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto ordering = [&] {
    std::size_t n = 0;
    for (const auto& [id, stage] : world.stages()) n += stage == Stage::Ordering;
    return n;
  };
  while (ordering() < 3 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(ordering(), 3u) << read_text(world.dir().file("first.log"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the POSTs leave right after the ledger says so
  RunWorld::kill_and_reap(pid);
  EXPECT_EQ(world.sandbox().stats()["orders_total"], 0) << "the CA is still working on the first POSTs";

  const auto started = std::chrono::steady_clock::now();
  auto rerun = world.run({"--concurrency", "3", "--api-timeout", rerun_timeout});
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(rerun.exit_code, 0) << rerun.all().substr(0, 20000);
  EXPECT_EQ(world.sandbox().stats()["orders_total"], 3) << rerun.all().substr(0, 20000);
  for (const auto& problem : world.audit()) ADD_FAILURE() << problem;
  // It said why it waited, and until when.
  EXPECT_NE(rerun.err.find("may still be in flight"), std::string::npos) << rerun.err;
  EXPECT_NE(rerun.err.find("until 20"), std::string::npos) << rerun.err;
  std::cout << "[ rerun ] --api-timeout " << first_timeout << "/" << rerun_timeout << ", CA delay " << delay_ms
            << " ms: done in " << took << " s\n";
}

// The reproduction of the duplicate orders: the rerun used to look the orders up 15 s after they
// were sent, find nothing, and order all three again (6 orders for 3 certificates).
TEST(RunReliability, SlowCaKilledRunIsNotOrderedAgainWhileThePostsMayBeInFlight) {
  slow_ca_killed_and_rerun("30", "30", 20000);  // the CA answers within the client's timeout
}

TEST(RunReliability, SlowCaOutlastingTheRequestTimeoutIsNotOrderedAgain) {
  // The CA takes four times as long as the client waits: the window (5 s + 30 s) still covers it.
  slow_ca_killed_and_rerun("5", "5", 20000);
}

}  // namespace
