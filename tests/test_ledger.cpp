// The ledger: durable across reopen and kill -9, exclusive, and refusing anything it cannot trust.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "dcvkit/ledger.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::TempDir;

std::unique_ptr<Ledger> open_ok(const std::string& path, const Clock& clock = system_clock()) {
  auto l = Ledger::open(path, clock);
  EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().message);
  return l.ok() ? std::move(*l) : nullptr;
}

TEST(Ledger, StagesRoundTripAsText) {
  for (Stage s : {Stage::New, Stage::CsrReady, Stage::TokenReady, Stage::Published, Stage::Checked, Stage::Ordering,
                  Stage::Ordered, Stage::Issued, Stage::Written, Stage::Done, Stage::Failed}) {
    auto back = parse_stage(to_string(s));
    ASSERT_TRUE(back.has_value()) << to_string(s);
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(parse_stage("issued ").has_value());
}

TEST(Ledger, NewFileIsPrivateAndRecordsEveryStepDurably) {
  TempDir dir;
  const std::string path = dir.file("run.db");
  FixedClock clock(1'700'000'000);
  {
    auto l = open_ok(path, clock);
    ASSERT_TRUE(l);
    ASSERT_TRUE(l->upsert("shop", R"({"names":["shop.example.test"]})"));
    ASSERT_TRUE(l->record_csr("shop", "/k/shop.key", "/k/shop.csr"));
    ASSERT_TRUE(l->record_token("shop", "20231114221320abc", 1'699'999'000));
    ASSERT_TRUE(l->record_published("shop", R"({"names":1})"));
    ASSERT_TRUE(l->record_checked("shop", R"({"ok":true})"));
    auto key = l->record_order_intent("shop", 1'700'000'120);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->size(), 32u);
    clock.advance(5);
    ASSERT_TRUE(l->record_chain("shop", 77, 88, "-----BEGIN CERTIFICATE-----\n...", 1'717'000'000));
    EXPECT_EQ(l->writes(), 7);
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto l = open_ok(path, clock);
  ASSERT_TRUE(l);
  auto e = l->get("shop");
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(e->has_value());
  const LedgerEntry& entry = **e;
  EXPECT_EQ(entry.stage, Stage::Issued);
  EXPECT_EQ(entry.key_path, "/k/shop.key");
  EXPECT_EQ(entry.token, "20231114221320abc");
  EXPECT_EQ(entry.token_time, 1'699'999'000);
  EXPECT_EQ(entry.order_id, 77);
  EXPECT_EQ(entry.certificate_id, 88);
  EXPECT_EQ(entry.order_sent_at, 1'700'000'000);
  EXPECT_EQ(entry.order_in_flight_until, 1'700'000'120);
  EXPECT_EQ(entry.updated_at, 1'700'000'005);
  EXPECT_EQ(entry.chain_pem, "-----BEGIN CERTIFICATE-----\n...");
  auto events = l->events("shop");
  ASSERT_TRUE(events.ok());
  std::vector<std::string> kinds;
  for (const auto& ev : *events) kinds.push_back(ev.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"csr", "token", "publish", "check", "order_sent", "chain"}));
  // The spec is updated by a re-run, the progress kept.
  ASSERT_TRUE(l->upsert("shop", R"({"names":["shop.example.test","www.shop.example.test"]})"));
  EXPECT_EQ((*l->get("shop"))->stage, Stage::Issued);
  EXPECT_NE((*l->get("shop"))->spec_json.find("www."), std::string::npos);
  EXPECT_FALSE(l->get("nope")->has_value());
}

TEST(Ledger, FailureAndRewindCountAttempts) {
  TempDir dir;
  auto l = open_ok(dir.file("run.db"));
  ASSERT_TRUE(l);
  ASSERT_TRUE(l->upsert("a", "{}"));
  ASSERT_TRUE(l->record_failure("a", Stage::Checked, "dns.no_txt", "no TXT at _dnsauth.a"));
  auto e = **l->get("a");
  EXPECT_EQ(e.stage, Stage::Failed);
  EXPECT_EQ(e.failed_stage, Stage::Checked);
  EXPECT_EQ(e.error_code, "dns.no_txt");
  ASSERT_TRUE(l->rewind("a", Stage::TokenReady));
  e = **l->get("a");
  EXPECT_EQ(e.stage, Stage::TokenReady);
  EXPECT_EQ(e.attempts, 1);
  EXPECT_TRUE(e.error_code.empty());
  auto missing = l->record_token("ghost", "t", 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "ledger.unknown_entry");
}

TEST(Ledger, SecondWriterIsRefusedReaderIsNot) {
  TempDir dir;
  const std::string path = dir.file("run.db");
  auto first = open_ok(path);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->upsert("a", "{}"));
  auto second = Ledger::open(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "ledger.busy");
  auto reader = Ledger::open_read_only(path);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ((*reader)->all()->size(), 1u);
}

TEST(Ledger, CommittedStepSurvivesKill9) {
  TempDir dir;
  const std::string path = dir.file("run.db");
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto l = Ledger::open(path);
    if (!l.ok() || !(*l)->upsert("a", "{}") || !(*l)->record_order_intent("a", 42).ok()) _exit(3);
    ::kill(::getpid(), SIGKILL);  // no destructor, no checkpoint: only what was committed
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  auto l = open_ok(path);
  ASSERT_TRUE(l);
  auto e = l->get("a");
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ((*e)->stage, Stage::Ordering);
  EXPECT_EQ((*e)->order_key.size(), 32u);
  EXPECT_EQ((*e)->order_in_flight_until, 42) << "the in-flight deadline survives the kill";
}

// A ledger as dcvkit wrote it before the in-flight deadline was recorded (schema 1), holding a
// certificate whose order POST was sent at 1'700'000'000.
void write_schema1_ledger(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const char* sql = R"sql(
PRAGMA application_id = 1684239921; PRAGMA user_version = 1;
CREATE TABLE entries(id TEXT PRIMARY KEY, spec TEXT NOT NULL, stage TEXT NOT NULL,
  key_path TEXT NOT NULL DEFAULT '', csr_path TEXT NOT NULL DEFAULT '', token TEXT NOT NULL DEFAULT '',
  token_time INTEGER NOT NULL DEFAULT 0, order_key TEXT NOT NULL DEFAULT '', order_sent_at INTEGER NOT NULL DEFAULT 0,
  order_id INTEGER NOT NULL DEFAULT 0, certificate_id INTEGER NOT NULL DEFAULT 0, chain_pem TEXT NOT NULL DEFAULT '',
  not_after INTEGER NOT NULL DEFAULT 0, out_dir TEXT NOT NULL DEFAULT '', failed_stage TEXT NOT NULL DEFAULT '',
  error_code TEXT NOT NULL DEFAULT '', error_message TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL);
CREATE TABLE events(seq INTEGER PRIMARY KEY, id TEXT NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX events_by_id ON events(id, seq);
INSERT INTO entries(id, spec, stage, order_sent_at, updated_at) VALUES('old', '{}', 'ordering', 1700000000, 1700000000);
INSERT INTO entries(id, spec, stage, updated_at) VALUES('fresh', '{}', 'new', 1700000000);
INSERT INTO entries(id, spec, stage, order_id, updated_at) VALUES('placed', '{}', 'ordered', 4711, 1700000000);
)sql";
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

std::int64_t user_version(const std::string& path) {
  sqlite3* db = nullptr;
  std::int64_t v = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK)
    sqlite3_exec(
        db, "PRAGMA user_version",
        [](void* out, int, char** values, char**) {
          *static_cast<std::int64_t*>(out) = std::stoll(values[0]);
          return 0;
        },
        &v, nullptr);
  sqlite3_close(db);
  return v;
}

TEST(Ledger, SchemaOneLedgerIsReadAndMigratedWithTheDefaultInFlightWindow) {
  TempDir dir;
  const std::string path = dir.file("old.db");
  write_schema1_ledger(path);
  {  // --status on an old ledger: read as it is, not migrated
    auto reader = Ledger::open_read_only(path);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    auto e = (*reader)->get("old");
    ASSERT_TRUE(e.ok() && e->has_value()) << (e.ok() ? "" : e.error().message);
    EXPECT_EQ((*e)->order_in_flight_until, 1'700'000'120);
    EXPECT_EQ((*(*reader)->get("placed"))->order_ref, "4711") << "a CertCentral order's reference is its id";
    EXPECT_EQ((*e)->order_ref, "");
  }
  EXPECT_EQ(user_version(path), 1);
  {
    auto l = open_ok(path);
    ASSERT_TRUE(l);
    auto e = l->get("old");
    ASSERT_TRUE(e.ok() && e->has_value());
    EXPECT_EQ((*e)->stage, Stage::Ordering);
    EXPECT_EQ((*e)->order_in_flight_until, 1'700'000'120) << "sent with the old default 90 s timeout";
    EXPECT_EQ((*l->get("fresh"))->order_in_flight_until, 0);
    EXPECT_EQ((*l->get("placed"))->order_ref, "4711") << "migrated from order_id";
    ASSERT_TRUE(l->record_order_intent("fresh", 1'800'000'000).ok());
  }
  EXPECT_EQ(user_version(path), 3);
  auto l = open_ok(path);
  ASSERT_TRUE(l);
  EXPECT_EQ((*l->get("fresh"))->order_in_flight_until, 1'800'000'000);
}

TEST(Ledger, RefusesEmptyForeignAndCorruptFilesWithoutTouchingThem) {
  TempDir dir;
  const std::string empty = dir.write("empty.db", "");
  auto r = Ledger::open(empty);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ledger.corrupt");
  EXPECT_NE(r.error().hint.find("never resets"), std::string::npos);

  const std::string text = dir.write("notes.txt", std::string(4096, 'x'));
  r = Ledger::open(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ledger.corrupt");
  EXPECT_EQ(dcvkit::test::read_text(text), std::string(4096, 'x'));

  // A real ledger, truncated in the middle of its pages.
  const std::string path = dir.file("run.db");
  {
    auto l = open_ok(path);
    ASSERT_TRUE(l);
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(l->upsert("entry-" + std::to_string(i), std::string(500, 'x')));
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  ASSERT_GT(st.st_size, 8192);
  ASSERT_EQ(::truncate(path.c_str(), st.st_size / 2), 0);
  r = Ledger::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ledger.corrupt") << r.error().message;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_GT(st.st_size, 4096);  // not reset
}

TEST(Ledger, RefusesAnotherSqliteDatabase) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto r = Ledger::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ledger.foreign");
}

}  // namespace
