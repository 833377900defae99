// dcvkit run with ACME entries beside CertCentral ones: Debian's real Pebble (EAB required) next to
// the sandbox, one BIND (zone dns.test, every name this machine; RFC 2136 for dns-01), one nginx
// (webroots for http-01). Exactly-once across kill -9: an order whose URL the ledger holds is
// continued, an order whose URL was lost is found again in the account's orders list.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dcvkit/acme.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/ledger.hpp"
#include "support/pebble_server.hpp"
#include "support/run_world.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

class RunAcme : public ::testing::Test {
 protected:
  RunAcme() : world_(RunWorldOptions{{}, true, {}, {"* IN A 127.0.0.1"}}) {
    PebbleOptions p;
    p.http_port = world_.nginx().http_port();
    p.dns_server = world_.dns().server();
    pebble_ = std::make_unique<PebbleServer>(p);
    account_key_ = world_.dir().file("acme/account.pem");
  }

  json acme_ca() const {
    return {{"acme",
             {{"directory", pebble_->directory_url()},
              {"account_key", account_key_},
              {"eab_kid", "kid-1"},
              {"eab_hmac_key_file", pebble_->eab_key_file("kid-1")},
              {"ca_bundle", pebble_->ca_bundle()},
              {"email", "ops@example.test"},
              {"agree_tos", true}}}};
  }

  // An http-01 entry publishing into nginx's webroot for its host; returns the name.
  std::string add_http01(const std::string& id, const json& publish = nullptr) {
    const std::string host = id + ".dns.test";
    const std::string root = world_.nginx().dir() + "/www/" + host;
    fs::create_directories(root);
    json line = {{"id", id}, {"names", {host}}, {"ca", acme_ca()}, {"challenge", "http-01"},
                 {"publish", publish.is_null() ? json{{"webroot", root}} : publish}};
    world_.add_line(id, line.dump());
    return host;
  }

  void add_dns01_wildcard(const std::string& id) {
    json line = {{"id", id},
                 {"names", {id + ".dns.test", "*." + id + ".dns.test"}},
                 {"ca", acme_ca()},
                 {"challenge", "dns-01"},
                 {"publish",
                  {{"dns", {{"server", world_.dns().server()}, {"zone", "dns.test"}, {"tsig_key_file", world_.dns().key_file()}}}}}};
    world_.add_line(id, line.dump());
  }

  std::optional<LedgerEntry> entry(const std::string& id) {
    auto l = Ledger::open_read_only(world_.state());
    if (!l) return std::nullopt;
    auto e = (*l)->get(id);
    return e && *e ? **e : std::optional<LedgerEntry>();
  }

  std::vector<std::string> order_events(const std::string& id) {
    std::vector<std::string> refs;
    auto l = Ledger::open_read_only(world_.state());
    if (!l) return refs;
    auto events = (*l)->events(id);
    if (!events) return refs;
    for (const auto& ev : *events)
      if (ev.kind == "order") refs.push_back(json::parse(ev.detail_json)["order_ref"].get<std::string>());
    return refs;
  }

  // The account's client, as the run's (the key file the run generated).
  std::unique_ptr<acme::Client> account_client(acme::Account& account) {
    auto key = acme::AccountKey::load(account_key_);
    if (!key) return nullptr;
    acme::ClientOptions o;
    o.directory_url = pebble_->directory_url();
    o.ca_bundle = pebble_->ca_bundle();
    auto c = acme::Client::connect(o, std::move(*key));
    if (!c) return nullptr;
    auto found = (*c)->find_account();
    if (!found) return nullptr;
    account = *found;
    return std::move(*c);
  }

  // The account's orders for exactly `names` (any status).
  std::vector<std::string> orders_for(const std::vector<std::string>& names) {
    acme::Account account;
    auto client = account_client(account);
    std::vector<std::string> out;
    if (!client) return out;
    auto urls = client->list_orders(account.orders);
    if (!urls) return out;
    for (const auto& u : *urls) {
      auto o = client->fetch_order(u);
      if (o && o->identifiers == names) out.push_back(u);
    }
    return out;
  }

  // The run over the manifest as added so far (--jsonl: one line per certificate, then the summary).
  RunResult run() {
    world_.manifest();
    return world_.run();
  }
  static std::vector<json> result_lines(const RunResult& r) {
    std::vector<json> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      auto j = json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("id")) out.push_back(j);
    }
    return out;
  }

  static std::string subject_alt_names(const std::string& cert) {
    return run_program({"/usr/bin/openssl", "x509", "-in", cert, "-noout", "-ext", "subjectAltName"}).out;
  }

  RunWorld world_;
  std::unique_ptr<PebbleServer> pebble_;
  std::string account_key_;
};

TEST_F(RunAcme, MixedManifestIssuesFromPebbleAndTheSandboxInOneRun) {
  world_.add("cc", RunPublish::Webroot);
  const std::string host = add_http01("web");
  add_dns01_wildcard("wild");
  auto r = run();
  ASSERT_EQ(r.exit_code, 0) << r.all() << pebble_->log();
  EXPECT_TRUE(world_.audit().empty()) << "the CertCentral certificate, exactly once: " << world_.audit().front();

  const auto web = entry("web"), wild = entry("wild");
  ASSERT_TRUE(web && wild);
  for (const auto* e : {&*web, &*wild}) {
    EXPECT_EQ(e->stage, Stage::Done) << e->id << ": " << e->error_message;
    EXPECT_EQ(e->order_ref.rfind("https://127.0.0.1:", 0), 0u) << "an ACME order URL: " << e->order_ref;
    EXPECT_EQ(e->order_id, 0);
    for (const char* f : {"cert.pem", "chain.pem", "fullchain.pem"})
      EXPECT_TRUE(fs::exists(world_.dir().file("certs/" + e->id + "/") + f)) << e->id << " " << f;
  }
  EXPECT_NE(subject_alt_names(world_.dir().file("certs/web/cert.pem")).find("DNS:" + host), std::string::npos);
  EXPECT_NE(subject_alt_names(world_.dir().file("certs/wild/cert.pem")).find("DNS:*.wild.dns.test"), std::string::npos);
  EXPECT_NE(world_.nginx().access_log().find("/.well-known/acme-challenge/"), std::string::npos) << "Pebble fetched http-01";
  EXPECT_TRUE(fs::is_empty(world_.nginx().dir() + "/www/" + host + "/.well-known/acme-challenge")) << "challenge removed";
  EXPECT_EQ(file_mode(account_key_), 0600u) << "the run generated the account key, private";
  for (const auto& c : result_lines(r)) {
    if (c["id"] == "cc") continue;
    EXPECT_EQ(c["order_ref"].get<std::string>().rfind("https://", 0), 0u) << c.dump();
  }

  // Again: nothing to do, no order placed anywhere.
  auto again = run();
  ASSERT_EQ(again.exit_code, 0) << again.all();
  EXPECT_EQ(order_events("web").size(), 1u);
  EXPECT_EQ(orders_for({host}).size(), 1u) << "one order at Pebble for the name";
  EXPECT_TRUE(world_.audit().empty());
}

TEST_F(RunAcme, RunKilledWhileTheOrderIsValidatedGoesOnWithTheSameOrder) {
  // A publish hook that waits at a gate: the run sits in the order's validation, then is killed.
  const std::string gate = world_.dir().file("gates/acme");
  std::ofstream(gate) << "closed\n";
  const std::string www = world_.nginx().dir() + "/www";
  const std::string hook = world_.dir().write("acme-hook.sh", R"SH(
gate="$1"; www="$2"
for i in $(seq 300); do [ -e "$gate" ] || break; sleep 0.1; done
path="${DCVKIT_RECORD#http://$DCVKIT_NAME/}"
case "$DCVKIT_ACTION" in
  publish) mkdir -p "$www/$DCVKIT_NAME/$(dirname "$path")" && printf %s "$DCVKIT_TOKEN" > "$www/$DCVKIT_NAME/$path" ;;
  unpublish) rm -f "$www/$DCVKIT_NAME/$path" ;;
esac
)SH");
  const std::string host = add_http01("held", json{{"hook", "sh " + hook + " " + gate + " " + www}});
  world_.manifest();
  const pid_t pid = world_.spawn("first.log");
  const auto seen = world_.wait_for_stage(Stage::Ordered, 30000);
  ASSERT_FALSE(seen.empty()) << "the run never placed the order";
  RunWorld::kill_and_reap(pid);
  const auto placed = entry("held");
  ASSERT_TRUE(placed);
  ASSERT_EQ(placed->stage, Stage::Ordered);
  ASSERT_FALSE(placed->order_ref.empty());
  fs::remove(gate);

  auto r = run();
  ASSERT_EQ(r.exit_code, 0) << r.all() << pebble_->log();
  const auto done = entry("held");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->stage, Stage::Done);
  EXPECT_EQ(done->order_ref, placed->order_ref) << "the same order, continued";
  EXPECT_EQ(order_events("held"), std::vector<std::string>{placed->order_ref});
  EXPECT_EQ(orders_for({host}), std::vector<std::string>{placed->order_ref}) << "never a second order";
}

TEST_F(RunAcme, OrderWhoseUrlWasLostIsFoundInTheAccountsOrdersList) {
  // The ledger as a run killed between newOrder leaving and its URL being recorded leaves it:
  // the intent is committed, the URL is not. The CA makes the order late (the request was still
  // in flight): the next run waits out the in-flight deadline before it looks, then finds it.
  const std::string host = add_http01("lost");
  CsrRequest request;
  request.common_name = host;
  auto csr = generate_csr(request);
  ASSERT_TRUE(csr.ok());
  const std::string key_path = world_.dir().write("lost.key", std::string(csr->private_key_pem.view()));
  const std::string csr_path = world_.dir().write("lost.csr", csr->csr_pem);
  // A first run issues it once (and registers the account).
  ASSERT_EQ(run().exit_code, 0);
  ASSERT_EQ(orders_for({host}).size(), 1u);
  const std::string first = orders_for({host}).front();
  {
    auto l = Ledger::open(world_.state());
    ASSERT_TRUE(l.ok()) << l.error().message;
    ASSERT_TRUE((*l)->rewind("lost", Stage::CsrReady).ok());
    ASSERT_TRUE((*l)->record_csr("lost", key_path, csr_path).ok());
    ASSERT_TRUE((*l)->record_order_intent("lost", ::time(nullptr) + 4).ok());
  }
  acme::Account account;
  auto client = account_client(account);
  ASSERT_TRUE(client);
  const pid_t pid = world_.spawn("lost.log");
  ::usleep(1500 * 1000);
  auto lost = client->new_order({host});  // the in-flight request arriving at the CA
  ASSERT_TRUE(lost.ok()) << lost.error().message;
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_text(world_.dir().file("lost.log")) << pebble_->log();
  const auto done = entry("lost");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->stage, Stage::Done);
  EXPECT_EQ(done->order_ref, lost->url) << "found again, not placed anew (and not the first issuance's order " << first << ")";
  EXPECT_EQ(orders_for({host}).size(), 2u) << "the first issuance's order and the lost one, nothing more";
  EXPECT_NE(subject_alt_names(world_.dir().file("certs/lost/cert.pem")).find("DNS:" + host), std::string::npos);
}

TEST_F(RunAcme, ManifestMistakesAreReportedBeforeAnythingIsOrdered) {
  auto refused = [&](const json& line) {
    world_.add_line(line["id"], line.dump());
    auto r = run();
    EXPECT_EQ(r.exit_code, 3) << r.all();
    return r.all();
  };
  EXPECT_NE(refused({{"id", "m"}, {"names", {"m.dns.test"}}, {"ca", acme_ca()}, {"challenge", "http-01"}, {"method", "http"},
                     {"publish", {{"webroot", "/tmp"}}}})
                .find("is for CertCentral orders, not ACME"),
            std::string::npos);
}

TEST_F(RunAcme, AccountWithoutAgreedTermsIsToldHowToRegister) {
  json ca = acme_ca();
  ca["acme"].erase("agree_tos");
  const std::string host = "terms.dns.test";
  fs::create_directories(world_.nginx().dir() + "/www/" + host);
  world_.add_line("terms", json{{"id", "terms"}, {"names", {host}}, {"ca", ca}, {"challenge", "http-01"},
                                {"publish", {{"webroot", world_.nginx().dir() + "/www/" + host}}}}
                               .dump());
  auto r = run();
  EXPECT_NE(r.exit_code, 0) << r.all();
  const auto e = entry("terms");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error_code, "acme.terms_not_agreed");
  EXPECT_NE(r.out.find("agree_tos"), std::string::npos) << r.out;
  EXPECT_TRUE(orders_for({host}).empty());
}

TEST_F(RunAcme, RevokeGoesToTheAcmeCaAndTheNextRunReplacesTheCertificate) {
  const std::string host = add_http01("gone");
  ASSERT_EQ(run().exit_code, 0);
  const auto issued = entry("gone");
  ASSERT_TRUE(issued);
  auto revoked = world_.run({"--revoke", "gone", "--yes", "--reason", "key_compromise"});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.all() << pebble_->log();
  EXPECT_EQ(entry("gone")->stage, Stage::New);
  // Pebble knows: revoking the same certificate again is refused.
  auto again = run_dcvkit({"acme", "revoke", "--directory", pebble_->directory_url(), "--ca-bundle", pebble_->ca_bundle(),
                           "--account-key", account_key_, "--cert", world_.dir().file("certs/gone/cert.pem"), "--json"});
  EXPECT_NE(again.exit_code, 0) << again.all();
  EXPECT_NE(again.out.find("evoked"), std::string::npos) << again.out;

  ASSERT_EQ(run().exit_code, 0);
  const auto replaced = entry("gone");
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->stage, Stage::Done);
  EXPECT_NE(replaced->order_ref, issued->order_ref) << "a new order";
  EXPECT_EQ(orders_for({host}).size(), 2u);
}

TEST_F(RunAcme, ChallengeTheCaWouldNotSeeIsCaughtBeforeItIsAnsweredAndTheOrderGoesOnOnceFixed) {
  // Published into a directory nginx does not serve for the name: our check sees the 404 first,
  // so the CA is never asked to validate (it would try once, and the authorization would be invalid).
  const std::string wrong = world_.dir().file("not-served");
  fs::create_directories(wrong);
  const std::string host = add_http01("pre", json{{"webroot", wrong}});
  world_.manifest();
  auto r = world_.run({"--check-deadline", "2s"});
  EXPECT_EQ(r.exit_code, 9) << r.all();
  const auto held = entry("pre");
  ASSERT_TRUE(held);
  EXPECT_EQ(held->stage, Stage::Failed);
  EXPECT_EQ(held->failed_stage, Stage::Ordered);
  EXPECT_EQ(held->error_code.rfind("http.", 0), 0u) << held->error_code << ": " << held->error_message;
  acme::Account account;
  auto client = account_client(account);
  ASSERT_TRUE(client);
  auto order = client->fetch_order(held->order_ref);
  ASSERT_TRUE(order.ok()) << order.error().message;
  EXPECT_EQ(order->status, "pending") << "the CA was not asked to validate";
  EXPECT_TRUE(fs::is_empty(wrong + "/.well-known/acme-challenge")) << "the challenge was taken down again";

  // The line fixed (the webroot nginx serves): the next run goes on with the same order.
  const std::string fixed = world_.dir().write(
      "fixed.jsonl", json{{"id", "pre"}, {"names", {host}}, {"ca", acme_ca()}, {"challenge", "http-01"},
                          {"publish", {{"webroot", world_.nginx().dir() + "/www/" + host}}}}
                             .dump() + "\n");
  auto again = world_.run({"--manifest", fixed});
  ASSERT_EQ(again.exit_code, 0) << again.all() << pebble_->log();
  const auto done = entry("pre");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->stage, Stage::Done);
  EXPECT_EQ(done->order_ref, held->order_ref) << "the same order";
  EXPECT_EQ(orders_for({host}).size(), 1u);
}

}  // namespace
