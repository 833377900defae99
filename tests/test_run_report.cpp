// What `dcvkit run` shows a person: the HTML report (content, escaping, no secrets), the summary
// table, and the live progress line — on a terminal only, never with --jsonl or into a pipe.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "dcvkit/pipeline.hpp"
#include "support/browser.hpp"
#include "support/run_world.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::test;

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// An ACME certificate is ordered right after its CSR: a failure there is the order's ("failed at
// order"), not a token's, in the outcome, the forecast and the ledger listing alike; CertCentral
// certificates keep "token" after the CSR.
TEST(RunReport, AnAcmeCertificateFailsAtItsOrderNotAtAToken) {
  PipelineResult acme;
  acme.id = "a";
  acme.stage = Stage::Failed;
  acme.failed_at = Stage::CsrReady;
  acme.orders_first = true;
  acme.error_code = "acme.unauthorized";
  EXPECT_EQ(outcome_of(acme), "failed at order: acme.unauthorized");
  PipelineResult certcentral = acme;
  certcentral.orders_first = false;
  certcentral.error_code = "token.auth_key_missing";
  EXPECT_EQ(outcome_of(certcentral), "failed at token: token.auth_key_missing");

  LedgerEntry e;
  e.id = "a";
  e.stage = Stage::Failed;
  e.failed_stage = Stage::CsrReady;
  e.error_code = "acme.unauthorized";
  e.spec_json = R"({"id":"a","names":["a.example.test"],"method":"dns","ca":{"acme":{"directory":"https://127.0.0.1:1/dir"}}})";
  EXPECT_TRUE(orders_first_as_stored(e));
  const auto held = forecast_certificate(e, true, false, std::nullopt, 1800000000);
  EXPECT_EQ(held.action, "held");
  EXPECT_EQ(held.detail, "failed at order (acme.unauthorized): --retry-failed starts it again");
  const auto resumed = forecast_certificate(e, true, true, std::nullopt, 1800000000);
  EXPECT_EQ(resumed.detail, "failed at order (acme.unauthorized): again from order");
  EXPECT_NE(forecast_certificate(std::nullopt, true, false, std::nullopt, 1800000000).detail.find("order, publish and check its challenges"),
            std::string::npos);

  e.spec_json = R"({"id":"a","names":["a.example.test"],"method":"dns"})";
  EXPECT_FALSE(orders_first_as_stored(e));
  EXPECT_EQ(forecast_certificate(e, false, false, std::nullopt, 1800000000).detail,
            "failed at token (acme.unauthorized): --retry-failed starts it again");
  e.spec_json = "not json";
  EXPECT_FALSE(orders_first_as_stored(e)) << "an unreadable stored line is taken for CertCentral's order of steps";
}

TEST(RunReport, ShowsOutcomesAndEscapesWhatItDidNotWrite) {
  PipelineSummary s;
  PipelineResult ok;
  ok.id = "shop";
  ok.stage = Stage::Done;
  ok.order_id = 100001;
  PipelineResult bad;
  bad.id = "blog";
  bad.stage = Stage::Failed;
  bad.failed_at = Stage::Published;
  bad.error_code = "http.not_found";
  bad.error_message = "<script>alert(1)</script> 404";
  PipelineResult later;
  later.id = "late";
  later.error_code = "run.not_started";
  s.total = 3;
  s.done = s.failed = s.not_started = 1;
  s.outcomes = {{"done", 1}, {"failed at check: http.not_found", 1}, {"not started", 1}};
  s.stopped = make_error(ErrorKind::Io, "io.write_failed", "late: cannot write '/full/cert.pem': No space left on device",
                         "free space");
  std::vector<ManifestEntry> manifest(3);
  manifest[0].names = {"shop.example.test", "www.shop.example.test"};
  manifest[1].names = {"blog.example.test"};
  manifest[2].names = {"late.example.test"};
  LedgerEntry e;
  e.id = "shop";
  e.stage = Stage::Done;
  e.order_id = 100001;
  e.certificate_id = 500001;
  e.token = "20261123000000secrettokenvaluethatmustnotbeshowninthereport000000";
  e.chain_pem = "-----BEGIN CERTIFICATE-----";

  EXPECT_EQ(outcome_of(ok), "done");
  EXPECT_EQ(outcome_of(bad), "failed at check: http.not_found");
  EXPECT_EQ(outcome_of(later), "not started");
  TempDir dir;
  auto writer = RunReportWriter::open();
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  ASSERT_TRUE(writer->add(ok, manifest[0], &e).ok());
  ASSERT_TRUE(writer->add(bad, manifest[1], nullptr).ok());
  ASSERT_TRUE(writer->add(later, manifest[2], nullptr).ok());
  const std::string path = dir.file("run.html");
  ASSERT_TRUE(writer->write(path, s, 1800000000, false).ok());
  EXPECT_FALSE(writer->write(path, s, 1800000000, false).ok()) << "an existing report is replaced only when asked";
  const std::string html = read_text(path);
  EXPECT_NE(html.find("<title>dcvkit run report</title>"), std::string::npos);
  EXPECT_NE(html.find("1 of 3 certificates done, 1 failed, 1 not started"), std::string::npos);
  EXPECT_NE(html.find("failed at check: http.not_found"), std::string::npos);
  EXPECT_NE(html.find("id=\"outcomes\""), std::string::npos);
  EXPECT_NE(html.find("www.shop.example.test"), std::string::npos);
  EXPECT_NE(html.find(">500001<"), std::string::npos);
  EXPECT_NE(html.find("No space left on device"), std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert"), std::string::npos);
  EXPECT_EQ(html.find(e.token), std::string::npos);
  EXPECT_EQ(html.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos) << "self-contained";
  EXPECT_EQ(html.find("http://"), std::string::npos) << "self-contained";
  EXPECT_EQ(count_of(html, "<tr class=\""), 3u);
  // One column for the outcome: no second "Stage" column repeating "failed"; long paths and
  // messages wrap instead of widening the page past a 1280 px window.
  EXPECT_EQ(html.find("<th>Stage</th>"), std::string::npos);
  EXPECT_EQ(count_of(html, "<th>"), 10u);
  EXPECT_NE(html.find("td{overflow-wrap:anywhere}"), std::string::npos);
}

class RunOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    world.add("r1", RunPublish::Webroot);
    world.add("r2", RunPublish::Dns);
    world.add("forbidden", RunPublish::Webroot);  // nginx answers 403 for this host: the check fails
    world.manifest();
  }
  RunWorld world;
};

TEST_F(RunOutput, ReportSummaryAndProgressWithoutSecrets) {
  const std::string report = world.dir().file("report.html");
  // On a terminal (script gives the run a pseudo-terminal): the live line, then the summary.
  std::string command;
  for (const auto& a : world.run_args({"--check-deadline", "2s", "--report", report})) command += " " + a;
  const auto jsonl_at = command.find(" --jsonl");
  command.erase(jsonl_at, 8);
  auto tty = run_program({"/usr/bin/script", "-qefc", std::string(DCVKIT_BIN) + command, "/dev/null"});
  EXPECT_EQ(tty.exit_code, 9) << tty.all();
  EXPECT_NE(tty.out.find("\r\033[K["), std::string::npos) << tty.out;
  EXPECT_NE(tty.out.find("2/3 done, 1 failed"), std::string::npos) << tty.out;
  EXPECT_NE(tty.out.find("OUTCOME"), std::string::npos) << tty.out;
  EXPECT_NE(tty.out.find("failed at check: "), std::string::npos) << tty.out;
  // The FAIL line names the step that failed, not the last stage completed ("published").
  EXPECT_NE(tty.out.find(" at check] "), std::string::npos) << tty.out;
  // The time printed is the time that passed (read from the clock), not the 2 s deadline: the
  // check stops once the next try would fall after the deadline.
  const auto after = tty.out.find("still failing after ");
  ASSERT_NE(after, std::string::npos) << tty.out;
  EXPECT_LT(std::stod(tty.out.substr(after + 20, 8)), 2.0) << tty.out.substr(after, 120);
  EXPECT_NE(tty.out.find("2 of 3 certificates done, 1 failed"), std::string::npos) << tty.out;

  const std::string html = read_text(report);
  EXPECT_NE(html.find("2 of 3 certificates done, 1 failed"), std::string::npos) << html;
  // In a 1280 px window the page needs no sideways scrolling: long paths and messages wrap. A copy
  // of the report with one script added reports the width the page takes.
  const std::string measured = world.dir().write(
      "report-width.html",
      html + "<script>document.body.setAttribute('data-scroll-width', document.documentElement.scrollWidth)</script>");
  auto dom = browser_dom(measured, world.dir().file("chromium-profile"), 1280);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  const auto width_at = dom.out.find("data-scroll-width=\"");
  ASSERT_NE(width_at, std::string::npos) << dom.out.substr(0, 2000);
  EXPECT_LE(std::stoi(dom.out.substr(width_at + 19)), 1280) << "the run report is wider than a 1280 px window";
  EXPECT_NE(html.find("www.r2.dns.test"), std::string::npos);
  EXPECT_NE(html.find("failed at check: "), std::string::npos);
  auto ledger = Ledger::open_read_only(world.state());
  ASSERT_TRUE(ledger.ok());
  auto entries = (*ledger)->all();
  ASSERT_TRUE(entries.ok());
  for (const auto& e : *entries) {
    ASSERT_FALSE(e.token.empty());
    EXPECT_EQ(html.find(e.token), std::string::npos) << "token of " << e.id;
    if (e.order_id) {
      EXPECT_NE(html.find(">" + std::to_string(e.order_id) + "<"), std::string::npos);
    }
  }
  for (const auto& secret : {world.sandbox().api_key(), read_text(world.dir().file("authkey")).substr(0, 32)}) {
    EXPECT_EQ(html.find(secret), std::string::npos);
    EXPECT_EQ(tty.out.find(secret), std::string::npos);
  }
  EXPECT_EQ(html.find("PRIVATE KEY"), std::string::npos);

  // With --jsonl, even on a terminal: no live line. Into a pipe: one line per certificate.
  auto jsonl = run_program({"/usr/bin/script", "-qefc", std::string(DCVKIT_BIN) + command + " --jsonl", "/dev/null"});
  EXPECT_EQ(jsonl.exit_code, 9) << jsonl.all();
  EXPECT_EQ(jsonl.out.find("\033[K"), std::string::npos) << jsonl.out;
  auto args = world.run_args({"--check-deadline", "2s"});
  args.erase(std::find(args.begin(), args.end(), "--jsonl"));
  auto piped = run_dcvkit(args);
  EXPECT_EQ(piped.err.find("\033[K"), std::string::npos) << piped.err;
  EXPECT_NE(piped.err.find("dcvkit: r1: done"), std::string::npos) << piped.err;
  EXPECT_NE(piped.err.find("dcvkit: forbidden: failed"), std::string::npos) << piped.err;
}

}  // namespace
