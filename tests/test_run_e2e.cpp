// dcvkit run end to end against a real sandbox over HTTPS and a real nginx: a manifest issued from
// nothing; killed with SIGKILL while an order POST is in flight and started again, every
// certificate is still ordered exactly once (the sandbox's count says so) and every file verifies;
// a damaged ledger is refused, never reset.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "dcvkit/ledger.hpp"
#include "dcvkit/time.hpp"
#include "support/nginx_server.hpp"
#include "support/run.hpp"
#include "support/sandbox_server.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit::test;
using json = nlohmann::json;

class RunE2e : public ::testing::Test {
 protected:
  void start(const std::string& faults, const std::vector<std::string>& sandbox_flags = {}) {
    SandboxOptions o;
    o.http_port = nginx.http_port();
    o.https_port = nginx.https_port();
    o.faults_json = faults;
    o.extra_args = sandbox_flags;
    sandbox = std::make_unique<SandboxServer>(o);
    auto r = run_dcvkit({"authkey", "create", "--out", dir.file("authkey"), "--api-url", sandbox->url(), "--api-key-file",
                         sandbox->api_key_file(), "--ca-bundle", sandbox->ca_bundle()});
    ASSERT_EQ(r.exit_code, 0) << r.all();
  }

  // `extra`: more keys for the first certificate's line.
  std::string manifest(int n, const json& extra = json::object()) {
    std::string text;
    for (int i = 1; i <= n; ++i) {
      const std::string host = "run" + std::to_string(i) + ".example.test";
      std::filesystem::create_directories(nginx.dir() + "/www/" + host);
      json line = {{"id", "c" + std::to_string(i)},
                   {"names", {host}},
                   {"method", "http"},
                   {"publish", {{"webroot", nginx.dir() + "/www/" + host}}}};
      if (i == 1) line.update(extra);
      text += line.dump() + "\n";
    }
    return dir.write("manifest.jsonl", text);
  }

  std::vector<std::string> run_args(const std::string& manifest_path) const {
    return {"run", "--manifest", manifest_path, "--state", dir.file("run.db"), "--auth-key-file", dir.file("authkey"),
            "--api-url", sandbox->url(), "--api-key-file", sandbox->api_key_file(), "--ca-bundle", sandbox->ca_bundle(),
            "--http-port", std::to_string(nginx.http_port()), "--https-port", std::to_string(nginx.https_port()),
            "--connect-address", "127.0.0.1", "--concurrency", "1", "--check-deadline", "20s", "--jsonl"};
  }

  json status() const {
    auto r = run_dcvkit({"run", "--status", "--state", dir.file("run.db"), "--json"});
    return json::parse(r.out, nullptr, false);
  }

  NginxServer nginx;
  TempDir dir;
  std::unique_ptr<SandboxServer> sandbox;
};

TEST_F(RunE2e, KilledWhileOrderingThenResumedOrdersEachCertificateOnce) {
  // The first order POST is held 3 s by the CA (it is stored all the same): the run is killed then.
  start(R"([{"method": "POST", "path": "/order/certificate/", "nth": 1, "action": "delay", "ms": 3000}])");
  const std::string m = manifest(3);
  auto args = run_args(m);
  args.insert(args.begin(), DCVKIT_BIN);
  const pid_t pid = spawn_logged(args, dir.file("first-run.log"));
  bool ordering = false;
  for (int i = 0; i < 100 && !ordering; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const json s = status();
    if (s.is_object() && s.contains("certificates"))
      for (const auto& c : s["certificates"]) ordering = ordering || c["stage"] == "ordering";
  }
  ::kill(pid, SIGKILL);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  ASSERT_TRUE(ordering) << read_text(dir.file("first-run.log"));

  auto second = run_dcvkit(run_args(m));
  EXPECT_EQ(second.exit_code, 0) << second.all();
  const json stats = sandbox->stats();
  EXPECT_EQ(stats["orders_total"], 3) << stats.dump();  // the interrupted order was found, not re-sent
  EXPECT_EQ(stats["orders"]["issued"], 3) << stats.dump();
  for (int i = 1; i <= 3; ++i) {
    const std::string d = dir.file("certs/c" + std::to_string(i));
    auto v = run_program({"/usr/bin/openssl", "verify", "-CAfile", d + "/root.pem", "-untrusted", d + "/chain.pem", d + "/cert.pem"});
    EXPECT_EQ(v.exit_code, 0) << v.all();
  }
  // Nothing left to do: a third run sends nothing.
  auto third = run_dcvkit(run_args(m));
  EXPECT_EQ(third.exit_code, 0) << third.all();
  EXPECT_NE(third.out.find("\"api_requests\":0"), std::string::npos) << third.out;
  EXPECT_EQ(sandbox->stats()["orders_total"], 3);
  EXPECT_EQ(second.all().find(sandbox->api_key()), std::string::npos);
}

// A refusal from the CA (here 403) proves no order exists: the ledger says so at once, and the
// next run orders straight away instead of waiting out the refused request's in-flight window and
// searching the CA's order list for an order that cannot be there.
TEST_F(RunE2e, OrderTheCaRefusedIsOrderedAtOnceByTheNextRun) {
  start(R"([{"method": "POST", "path": "/order/certificate/", "nth": 1, "action": "status", "status": 403}])");
  const std::string m = manifest(1);
  auto refused = run_dcvkit(run_args(m));
  EXPECT_NE(refused.exit_code, 0) << refused.all();
  EXPECT_EQ(sandbox->stats()["orders_total"], 0);
  {
    auto ledger = dcvkit::Ledger::open_read_only(dir.file("run.db"));
    ASSERT_TRUE(ledger.ok()) << ledger.error().message;
    auto entry = (*ledger)->get("c1");
    ASSERT_TRUE(entry.ok() && entry->has_value());
    EXPECT_EQ((*entry)->stage, dcvkit::Stage::Failed);
    EXPECT_EQ((*entry)->failed_stage, dcvkit::Stage::Checked);  // before the order, not "ordering"
    EXPECT_EQ((*entry)->order_in_flight_until, 0);
    auto events = (*ledger)->events("c1");
    ASSERT_TRUE(events.ok());
    EXPECT_EQ(std::count_if(events->begin(), events->end(), [](const dcvkit::LedgerEvent& e) { return e.kind == "order_refused"; }), 1);
  }

  auto args = run_args(m);
  args.push_back("--retry-failed");
  auto second = run_dcvkit(args);
  EXPECT_EQ(second.exit_code, 0) << second.all();
  EXPECT_EQ(second.all().find("in flight"), std::string::npos) << second.all();
  EXPECT_EQ(second.all().find("interrupted order"), std::string::npos) << second.all();
  EXPECT_EQ(sandbox->stats()["orders_total"], 1);
}

// The deploy hook is a ledger step of its own: a failure is retried by the next run, a run killed
// while the hook runs runs it again, and neither ever orders again.
TEST_F(RunE2e, TheDeployHookIsRetriedNeverReissuedAndRunsOncePerCertificate) {
  start("");
  const std::string log = dir.file("deploy.log");
  // Fails until "ready" exists; then logs the certificate it got.
  const std::string hook = "test -f " + dir.file("ready") + " || { echo not ready >&2; exit 4; }; echo \"$DCVKIT_CERT_ID " +
                           "$(basename \"$DCVKIT_FULLCHAIN_PATH\")\" >> " + log;
  const std::string m = manifest(1, {{"deploy", {{"hook", hook}, {"timeout", "30s"}}}});
  auto first = run_dcvkit(run_args(m));
  EXPECT_NE(first.exit_code, 0) << first.all();
  EXPECT_NE(first.out.find("deploy.hook_failed"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("not ready"), std::string::npos) << first.out;
  EXPECT_TRUE(std::filesystem::exists(dir.file("certs/c1/fullchain.pem")));
  const json s = status();
  ASSERT_TRUE(s.is_object()) << first.all();
  EXPECT_EQ(s["certificates"][0]["error"]["code"], "deploy.hook_failed") << s.dump();
  EXPECT_EQ(s["certificates"][0]["error"]["step"], "deploy") << s.dump();

  dir.write("ready", "");
  auto second = run_dcvkit(run_args(m));  // no --retry-failed: a step after ordering always resumes
  EXPECT_EQ(second.exit_code, 0) << second.all();
  EXPECT_EQ(read_text(log), "c1 fullchain.pem\n");
  auto third = run_dcvkit(run_args(m));
  EXPECT_EQ(third.exit_code, 0) << third.all();
  EXPECT_EQ(read_text(log), "c1 fullchain.pem\n") << "once per certificate";
  EXPECT_EQ(sandbox->stats()["orders_total"], 1);

  // --redeploy runs it again on demand, and says so in the ledger's events.
  auto args = run_args(m);
  args.insert(args.end(), {"--redeploy", "c1"});
  auto again = run_dcvkit(args);
  EXPECT_EQ(again.exit_code, 0) << again.all();
  EXPECT_EQ(read_text(log), "c1 fullchain.pem\nc1 fullchain.pem\n");
  EXPECT_EQ(sandbox->stats()["orders_total"], 1);
}

// --dry-run: what would happen, from the manifest and the ledger; not a byte of the ledger or the
// webroots changes, nothing is ordered.
TEST_F(RunE2e, DryRunSaysWhatWouldHappenAndChangesNothing) {
  start("");
  const std::string m = manifest(2);
  auto dry_args = [&](std::vector<std::string> extra) {
    auto a = run_args(m);
    a.pop_back();  // --jsonl
    a.push_back("--dry-run");
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  auto before = run_dcvkit(dry_args({}));
  EXPECT_EQ(before.exit_code, 0) << before.all();
  EXPECT_NE(before.out.find("c1: issue"), std::string::npos) << before.out;
  EXPECT_NE(before.out.find("c2: issue"), std::string::npos) << before.out;
  EXPECT_FALSE(std::filesystem::exists(dir.file("run.db"))) << "no ledger made";
  EXPECT_FALSE(std::filesystem::exists(nginx.dir() + "/www/run1.example.test/.well-known")) << "nothing published";
  EXPECT_EQ(sandbox->stats()["orders_total"], 0);

  ASSERT_EQ(run_dcvkit(run_args(m)).exit_code, 0);
  const std::string ledger_bytes = read_text(dir.file("run.db")) + read_text(dir.file("run.db-wal"));
  const auto snapshot = [&] {
    std::string all;
    for (const auto& e : std::filesystem::recursive_directory_iterator(nginx.dir() + "/www")) all += e.path().string() + "\n";
    return all;
  };
  const std::string webroots = snapshot();
  auto done = run_dcvkit(dry_args({"--json"}));
  EXPECT_EQ(done.exit_code, 0) << done.all();
  const json j = json::parse(done.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << done.out;
  EXPECT_EQ(j["dry_run"], true);
  EXPECT_EQ(j["certificates"][0]["action"], "nothing") << j.dump();
  EXPECT_NE(j["certificates"][0]["detail"].get<std::string>().find("expires"), std::string::npos) << j.dump();
  auto renew = run_dcvkit(dry_args({"--renew-within", "400d"}));
  EXPECT_EQ(renew.exit_code, 0) << renew.all();
  EXPECT_NE(renew.out.find("c1: renew"), std::string::npos) << renew.out;
  EXPECT_NE(renew.out.find("c2: renew"), std::string::npos) << renew.out;
  EXPECT_EQ(read_text(dir.file("run.db")) + read_text(dir.file("run.db-wal")), ledger_bytes) << "not a byte of the ledger";
  EXPECT_EQ(snapshot(), webroots);
  EXPECT_EQ(sandbox->stats()["orders_total"], 2) << "nothing ordered by the dry runs";
}

// --metrics-file, read back by the Prometheus project's own text parser (python3-prometheus-client).
TEST_F(RunE2e, MetricsFileParsesAsPrometheusTextAndSaysWhatTheLedgerSays) {
  start("");
  const std::string m = manifest(2, {{"deploy", {{"hook", "exit 5"}}}});  // c1 fails at deploy, c2 is done
  const std::string prom = dir.file("dcvkit.prom");
  auto args = run_args(m);
  args.insert(args.end(), {"--metrics-file", prom});
  auto r = run_dcvkit(args);
  EXPECT_EQ(r.exit_code, 9) << r.all();
  const std::string script =
      "import json, sys\n"
      "from prometheus_client.parser import text_string_to_metric_families\n"
      "out = {}\n"
      "for f in text_string_to_metric_families(open(sys.argv[1]).read()):\n"
      "    for s in f.samples:\n"
      "        out[s.name + json.dumps(s.labels, sort_keys=True)] = s.value\n"
      "print(json.dumps(out))\n";
  auto parsed = run_program({"/usr/bin/python3", "-c", script, prom});
  ASSERT_EQ(parsed.exit_code, 0) << parsed.all() << read_text(prom);
  const json j = json::parse(parsed.out);
  const json s = status();
  const auto not_after = [&](const std::string& id) {
    for (const auto& c : s["certificates"])
      if (c["id"] == id) return c["not_after"].get<std::string>();
    return std::string();
  };
  EXPECT_EQ(j.value(R"(dcvkit_certificate_stage{"id": "c2", "stage": "done"})", 0.0), 1.0) << j.dump();
  EXPECT_EQ(j.value(R"(dcvkit_certificate_stage{"id": "c1", "stage": "failed"})", 0.0), 1.0) << j.dump();
  EXPECT_EQ(j.value(R"(dcvkit_certificate_failures{"code": "deploy.hook_failed", "id": "c1"})", 0.0), 1.0) << j.dump();
  EXPECT_GT(j.value(R"(dcvkit_certificate_last_success_timestamp_seconds{"id": "c2"})", 0.0), 1.7e9) << j.dump();
  EXPECT_FALSE(j.contains(R"(dcvkit_certificate_last_success_timestamp_seconds{"id": "c1"})")) << j.dump();
  EXPECT_EQ(j.value(R"(dcvkit_run_certificates{"outcome": "failed"})", 0.0), 1.0) << j.dump();
  EXPECT_EQ(j.value(R"(dcvkit_run_certificates{"outcome": "done"})", 0.0), 1.0) << j.dump();
  EXPECT_GT(j.value("dcvkit_run_api_requests{}", 0.0), 0.0) << j.dump();
  // Both certificates were issued: their expiry is the ledger's notAfter.
  const double expiry = j.value(R"(dcvkit_certificate_expiry_timestamp_seconds{"id": "c2"})", 0.0);
  EXPECT_EQ(dcvkit::format_iso8601(static_cast<dcvkit::UnixSeconds>(expiry)), not_after("c2")) << j.dump();
  EXPECT_TRUE(j.contains(R"(dcvkit_certificate_expiry_timestamp_seconds{"id": "c1"})")) << j.dump();
  // --status writes the ledger's part alone.
  auto st = run_dcvkit({"run", "--status", "--state", dir.file("run.db"), "--metrics-file", dir.file("status.prom")});
  EXPECT_EQ(st.exit_code, 0) << st.all();
  const std::string status_text = read_text(dir.file("status.prom"));
  EXPECT_NE(status_text.find("dcvkit_certificate_stage{id=\"c2\",stage=\"done\"} 1"), std::string::npos) << status_text;
  EXPECT_EQ(status_text.find("dcvkit_run_"), std::string::npos) << status_text;
}

TEST_F(RunE2e, KilledWhileTheDeployHookRunsThenResumedDeploysWithoutOrdering) {
  start("");
  const std::string log = dir.file("deploy.log");
  // The first time it sleeps (the run is killed then); later it finishes at once.
  const std::string hook = "echo start >> " + log + "; test -f " + dir.file("fast") + " || sleep 20; echo end >> " + log;
  const std::string m = manifest(1, {{"deploy", {{"hook", hook}}}});
  auto args = run_args(m);
  args.insert(args.begin(), DCVKIT_BIN);
  const pid_t pid = spawn_logged(args, dir.file("first-run.log"));
  for (int i = 0; i < 300 && read_text(log).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(read_text(log), "start\n") << read_text(dir.file("first-run.log"));
  ::kill(pid, SIGKILL);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  dir.write("fast", "");
  auto second = run_dcvkit(run_args(m));
  EXPECT_EQ(second.exit_code, 0) << second.all();
  const std::string lines = read_text(log);
  const std::string tail = "start\nend\n";  // deployed again, to the end
  ASSERT_GE(lines.size(), tail.size()) << lines;
  EXPECT_EQ(lines.substr(lines.size() - tail.size()), tail) << lines;
  EXPECT_EQ(sandbox->stats()["orders_total"], 1) << "killed after issuance: not ordered again";
}

// A manifest's out_dir holding someone else's certificate: not replaced (and nothing bought for
// it) unless the entry says so; the files of the entry's own earlier issuance are replaced.
TEST_F(RunE2e, CertificateFilesDcvkitDidNotWriteAreNotReplaced) {
  start("");
  const std::string m = manifest(2);
  const std::string theirs = dir.file("certs/c1/cert.pem");
  std::filesystem::create_directories(dir.file("certs/c1"));
  auto made = run_program({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                           "-nodes", "-subj", "/CN=run1.example.test", "-days", "30", "-keyout", dir.file("their.key"),
                           "-out", theirs});
  ASSERT_EQ(made.exit_code, 0) << made.all();
  const std::string their_cert = read_text(theirs);

  auto first = run_dcvkit(run_args(m));
  EXPECT_NE(first.exit_code, 0) << first.all();
  EXPECT_NE(first.all().find("io.exists"), std::string::npos) << first.all();
  EXPECT_NE(first.all().find("replace_files"), std::string::npos) << first.all();
  EXPECT_EQ(read_text(theirs), their_cert) << "their certificate is untouched";
  EXPECT_FALSE(std::filesystem::exists(dir.file("certs/c1/fullchain.pem")));
  EXPECT_EQ(sandbox->stats()["orders_total"], 1) << "nothing bought for c1";

  // The entry allows it: replaced.
  const std::string allowed = manifest(2, {{"replace_files", true}});
  auto args = run_args(allowed);
  args.push_back("--retry-failed");
  auto second = run_dcvkit(args);
  EXPECT_EQ(second.exit_code, 0) << second.all();
  EXPECT_NE(read_text(theirs), their_cert);
  EXPECT_EQ(sandbox->stats()["orders_total"], 2);

  // A renewal replaces the files dcvkit wrote, without being told.
  args = run_args(manifest(2));
  args.insert(args.end(), {"--renew-within", "3650d"});
  const std::string before = read_text(dir.file("certs/c2/cert.pem"));
  auto renewal = run_dcvkit(args);
  EXPECT_EQ(renewal.exit_code, 0) << renewal.all();
  EXPECT_EQ(sandbox->stats()["orders_total"], 4);
  EXPECT_NE(read_text(dir.file("certs/c2/cert.pem")), before);
}

TEST_F(RunE2e, KeyDirectoryOthersCanWriteIsRefusedBeforeAnything) {
  start("");
  const std::string m = manifest(1);
  const std::string keys = dir.file("run.db.keys");
  std::filesystem::create_directories(keys);
  std::filesystem::permissions(keys, std::filesystem::perms::all);  // 0777
  auto r = run_dcvkit(run_args(m));
  EXPECT_NE(r.exit_code, 0) << r.all();
  EXPECT_NE(r.all().find("io.unsafe_dir"), std::string::npos) << r.all();
  EXPECT_NE(r.all().find("chmod go-w"), std::string::npos) << r.all();
  EXPECT_TRUE(std::filesystem::is_empty(keys)) << "no key generated there";
  EXPECT_EQ(sandbox->stats()["orders_total"], 0);
}

TEST_F(RunE2e, DamagedLedgerIsRefusedNotReset) {
  start("");
  const std::string m = manifest(1);
  { std::ofstream(dir.file("run.db")) << std::string(8192, 'x'); }
  auto r = run_dcvkit(run_args(m));
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.all().find("ledger.corrupt"), std::string::npos) << r.all();
  EXPECT_EQ(read_text(dir.file("run.db")), std::string(8192, 'x'));
  EXPECT_EQ(sandbox->stats()["orders_total"], 0);
}

// Issue 19 through `dcvkit run`: a leaf with a name nobody ordered is not installed, and the chain
// the CA sent stays in the ledger (and next to where the files would have gone).
TEST_F(RunE2e, AnUnexpectedNameFailsTheCertificateButTheLedgerKeepsTheChain) {
  start(R"([{"method": "POST", "path": "/order/certificate/", "action": "extra_name", "name": "evil.example.test"}])");
  auto r = run_dcvkit(run_args(manifest(1)));
  EXPECT_EQ(r.exit_code, 9) << "a certificate of the batch failed: " << r.all();
  const json result = json::parse(r.out.substr(0, r.out.find('\n')), nullptr, false);
  ASSERT_TRUE(result.is_object()) << r.out;
  EXPECT_EQ(result["error"]["code"], "cert.names_mismatch") << result.dump();
  EXPECT_EQ(result["error"]["stage"], "issued") << result.dump();
  EXPECT_NE(result["error"]["message"].get<std::string>().find("evil.example.test"), std::string::npos) << result.dump();
  EXPECT_NE(result["error"]["hint"].get<std::string>().find("dcvkit order download"), std::string::npos) << result.dump();

  const std::string out = dir.file("certs/c1");
  EXPECT_FALSE(std::filesystem::exists(out + "/cert.pem"));
  EXPECT_TRUE(std::filesystem::exists(out + "/received-unverified.pem"));
  auto ledger = dcvkit::Ledger::open_read_only(dir.file("run.db"));
  ASSERT_TRUE(ledger) << ledger.error().message;
  auto entry = (*ledger)->get("c1");
  ASSERT_TRUE(entry && *entry);
  EXPECT_EQ((*entry)->stage, dcvkit::Stage::Failed);
  EXPECT_EQ((*entry)->failed_stage, dcvkit::Stage::Issued);
  EXPECT_GT((*entry)->certificate_id, 0);
  EXPECT_EQ((*entry)->chain_pem, read_text(out + "/received-unverified.pem")) << "the ledger holds the chain as received";
  EXPECT_NE((*entry)->chain_pem.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  EXPECT_EQ(sandbox->stats()["orders_total"], 1);
}

TEST_F(RunE2e, TheCasAutomaticWwwNameIsReportedEverywhere) {
  start("", {"--auto-www"});
  auto args = run_args(manifest(1));
  args.insert(args.end(), {"--report", dir.file("report.html")});
  auto r = run_dcvkit(args);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const json result = json::parse(r.out.substr(0, r.out.find('\n')), nullptr, false);
  EXPECT_EQ(result["added_names"], json::array({"www.run1.example.test"})) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir.file("certs/c1/cert.pem")));
  EXPECT_NE(read_text(dir.file("report.html")).find("added by the CA: www.run1.example.test"), std::string::npos);
  auto ledger = dcvkit::Ledger::open_read_only(dir.file("run.db"));
  ASSERT_TRUE(ledger) << ledger.error().message;
  auto events = (*ledger)->events("c1");
  ASSERT_TRUE(events);
  bool recorded = false;
  for (const auto& e : *events)
    if (e.kind == "files") recorded = json::parse(e.detail_json)["added_names"] == json::array({"www.run1.example.test"});
  EXPECT_TRUE(recorded) << "the ledger's files event names the addition";
}

}  // namespace
