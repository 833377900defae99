#include "dcvkit/ledger.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>

#include "util/posix.hpp"
#include "util/sqlite_db.hpp"

namespace dcvkit {
namespace {

constexpr std::int64_t kApplicationId = 0x64637631;  // "dcv1": tells our files from other SQLite files
// 1: the first schema. 2: entries.order_in_flight_until. 3: entries.order_ref, the CA's own name for
// the order (a CertCentral id as text, an ACME order URL). Older ledgers are migrated in place, see migrate().
constexpr std::int64_t kSchemaVersion = 3;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE entries(
  id TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  stage TEXT NOT NULL,
  key_path TEXT NOT NULL DEFAULT '',
  csr_path TEXT NOT NULL DEFAULT '',
  token TEXT NOT NULL DEFAULT '',
  token_time INTEGER NOT NULL DEFAULT 0,
  order_key TEXT NOT NULL DEFAULT '',
  order_sent_at INTEGER NOT NULL DEFAULT 0,
  order_in_flight_until INTEGER NOT NULL DEFAULT 0,
  order_id INTEGER NOT NULL DEFAULT 0,
  order_ref TEXT NOT NULL DEFAULT '',
  certificate_id INTEGER NOT NULL DEFAULT 0,
  chain_pem TEXT NOT NULL DEFAULT '',
  not_after INTEGER NOT NULL DEFAULT 0,
  out_dir TEXT NOT NULL DEFAULT '',
  failed_stage TEXT NOT NULL DEFAULT '',
  error_code TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
CREATE TABLE events(
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX events_by_id ON events(id, seq);
)sql";

// Schema 1 had no in-flight deadline: its ledgers were written by a dcvkit whose order requests
// timed out after 90 s unless told otherwise, so the window of that default stands in for it.
constexpr std::int64_t kSchema1InFlight = 120;

constexpr std::string_view kColumns =
    "id, spec, stage, key_path, csr_path, token, token_time, order_key, order_sent_at, order_id, certificate_id, "
    "chain_pem, not_after, out_dir, failed_stage, error_code, error_message, attempts, updated_at, "
    "order_in_flight_until, order_ref";

void replace_column(std::string& columns, std::string_view column, const std::string& expression) {
  columns.replace(columns.rfind(column), column.size(), expression);
}

// What a read-only view of an older ledger (which it cannot migrate) selects instead.
std::string columns_for(std::int64_t version) {
  std::string c(kColumns);
  if (version < 3) replace_column(c, "order_ref", "CASE WHEN order_id > 0 THEN CAST(order_id AS TEXT) ELSE '' END");
  if (version < 2)
    replace_column(c, "order_in_flight_until",
                   "CASE WHEN order_sent_at > 0 THEN order_sent_at + " + std::to_string(kSchema1InFlight) + " ELSE 0 END");
  return c;
}

LedgerEntry entry_from(const sqlite::Row& r) {
  LedgerEntry e;
  e.id = r.text(0);
  e.spec_json = r.text(1);
  e.stage = parse_stage(r.text(2)).value_or(Stage::Failed);
  e.key_path = r.text(3);
  e.csr_path = r.text(4);
  e.token = r.text(5);
  e.token_time = r.integer(6);
  e.order_key = r.text(7);
  e.order_sent_at = r.integer(8);
  e.order_id = r.integer(9);
  e.certificate_id = r.integer(10);
  e.chain_pem = r.text(11);
  e.not_after = r.integer(12);
  e.out_dir = r.text(13);
  e.failed_stage = parse_stage(r.text(14)).value_or(Stage::New);
  e.error_code = r.text(15);
  e.error_message = r.text(16);
  e.attempts = static_cast<int>(r.integer(17));
  e.updated_at = r.integer(18);
  e.order_in_flight_until = r.integer(19);
  e.order_ref = r.text(20);
  return e;
}

Error io_error(const std::string& path, std::string_view doing) {
  return make_error(ErrorKind::Io, "ledger.io", std::string(doing) + " " + path + ": " + std::strerror(errno),
                    "check the path and its directory's permissions");
}

std::string random_key() {
  // 128 bits from the kernel, hex: unique per order request, also across machines.
  unsigned char bytes[16];
  posix::Fd fd(::open("/dev/urandom", O_RDONLY | O_CLOEXEC));
  if (!fd.valid() || ::read(fd.get(), bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes)) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

class SqliteLedger final : public Ledger {
 public:
  SqliteLedger(posix::Fd lock, std::unique_ptr<sqlite::Db> db, const Clock& clock, std::int64_t version)
      : lock_(std::move(lock)), db_(std::move(db)), clock_(clock), columns_(columns_for(version)) {}

  Result<std::optional<LedgerEntry>> get(std::string_view id) override {
    std::lock_guard guard(mutex_);
    std::optional<LedgerEntry> found;
    auto st = db_->query("SELECT " + columns_ + " FROM entries WHERE id = ?", {std::string(id)},
                         [&](const sqlite::Row& r) { found = entry_from(r); });
    if (!st) return st.error();
    return found;
  }

  Result<std::vector<LedgerEntry>> all() override {
    std::lock_guard guard(mutex_);
    std::vector<LedgerEntry> out;
    auto st = db_->query("SELECT " + columns_ + " FROM entries ORDER BY rowid", {},
                         [&](const sqlite::Row& r) { out.push_back(entry_from(r)); });
    if (!st) return st.error();
    return out;
  }

  Result<std::vector<LedgerEvent>> events(std::string_view id) override {
    std::lock_guard guard(mutex_);
    std::vector<LedgerEvent> out;
    auto st = db_->query("SELECT id, at, kind, detail FROM events WHERE id = ? ORDER BY seq", {std::string(id)},
                         [&](const sqlite::Row& r) { out.push_back({r.text(0), r.integer(1), r.text(2), r.text(3)}); });
    if (!st) return st.error();
    return out;
  }

  Status upsert(std::string_view id, std::string_view spec_json) override {
    return write(id, "", "", [&]() -> Status {
      return db_->run(
          "INSERT INTO entries(id, spec, stage, updated_at) VALUES(?, ?, 'new', ?) "
          "ON CONFLICT(id) DO UPDATE SET spec = excluded.spec",
          {std::string(id), std::string(spec_json), clock_.now()});
    });
  }

  Status record_csr(std::string_view id, std::string_view key_path, std::string_view csr_path) override {
    return update(id, Stage::CsrReady, "key_path = ?, csr_path = ?", {std::string(key_path), std::string(csr_path)},
                  "csr", nlohmann::json{{"key", key_path}, {"csr", csr_path}}.dump());
  }

  Status record_token(std::string_view id, std::string_view token, UnixSeconds token_time) override {
    return update(id, Stage::TokenReady, "token = ?, token_time = ?", {std::string(token), token_time}, "token",
                  nlohmann::json{{"token", token}}.dump());
  }

  Status record_published(std::string_view id, std::string_view detail_json) override {
    return update(id, Stage::Published, "", {}, "publish", std::string(detail_json));
  }

  Status record_checked(std::string_view id, std::string_view detail_json) override {
    return update(id, Stage::Checked, "", {}, "check", std::string(detail_json));
  }

  Result<std::string> record_order_intent(std::string_view id, UnixSeconds in_flight_until) override {
    std::string key = random_key();
    if (key.empty()) return make_error(ErrorKind::Internal, "ledger.random", "cannot read /dev/urandom", "");
    auto st = update(id, Stage::Ordering, "order_key = ?, order_sent_at = ?, order_in_flight_until = ?, order_id = 0, order_ref = ''",
                     {key, clock_.now(), in_flight_until}, "order_sent",
                     nlohmann::json{{"order_key", key}, {"in_flight_until", in_flight_until}}.dump());
    if (!st) return st.error();
    return key;
  }

  Status withdraw_order_intent(std::string_view id, Stage back_to, std::string_view reason) override {
    return update(id, back_to, "order_key = '', order_sent_at = 0, order_in_flight_until = 0", {}, "order_refused",
                  nlohmann::json{{"to", to_string(back_to)}, {"reason", reason}}.dump());
  }

  Status record_order(std::string_view id, std::string_view order_ref, std::int64_t order_id) override {
    nlohmann::json detail = {{"order_ref", order_ref}};
    if (order_id > 0) detail["order_id"] = order_id;
    return update(id, Stage::Ordered, "order_ref = ?, order_id = ?", {std::string(order_ref), order_id}, "order",
                  detail.dump());
  }

  Status record_chain(std::string_view id, std::int64_t order_id, std::int64_t certificate_id, std::string_view chain_pem,
                      UnixSeconds not_after) override {
    // An order issued at once was never recorded as placed: its id is its reference.
    return update(id, Stage::Issued,
                  "order_id = ?, order_ref = CASE WHEN ? > 0 THEN CAST(? AS TEXT) ELSE order_ref END, certificate_id = ?, "
                  "chain_pem = ?, not_after = ?",
                  {order_id, order_id, order_id, certificate_id, std::string(chain_pem), not_after}, "chain",
                  nlohmann::json{{"order_id", order_id}, {"certificate_id", certificate_id}, {"not_after", not_after}}.dump());
  }

  Status record_written(std::string_view id, std::string_view out_dir, UnixSeconds not_after,
                        const std::vector<std::string>& added_names) override {
    nlohmann::json detail = {{"out_dir", out_dir}, {"not_after", not_after}};
    if (!added_names.empty()) detail["added_names"] = added_names;
    return update(id, Stage::Written, "out_dir = ?, not_after = ?", {std::string(out_dir), not_after}, "files", detail.dump());
  }

  Status record_deployed(std::string_view id, std::string_view detail_json) override {
    return write(id, "deploy", std::string(detail_json), [] { return Status{}; });
  }

  Status record_done(std::string_view id, std::string_view detail_json) override {
    return update(id, Stage::Done, "", {}, "unpublish", std::string(detail_json));
  }

  Status record_revoked(std::string_view id, std::string_view detail_json) override {
    return update(id, Stage::New, "attempts = attempts + 1, error_code = '', error_message = '', failed_stage = ''", {},
                  "revoke", std::string(detail_json));
  }

  Status record_failure(std::string_view id, Stage at, std::string_view code, std::string_view message) override {
    return update(id, Stage::Failed, "failed_stage = ?, error_code = ?, error_message = ?",
                  {std::string(to_string(at)), std::string(code), std::string(message)}, "failure",
                  nlohmann::json{{"stage", to_string(at)}, {"code", code}, {"message", message}}.dump());
  }

  Status rewind(std::string_view id, Stage to) override {
    return update(id, to, "attempts = attempts + 1, error_code = '', error_message = '', failed_stage = ''", {},
                  "rewind", nlohmann::json{{"to", to_string(to)}}.dump());
  }

  std::int64_t writes() const override {
    std::lock_guard guard(mutex_);
    return writes_;
  }

 private:
  // One transaction: the entry's new stage + columns, and an event saying what happened.
  Status update(std::string_view id, Stage stage, const std::string& set, std::vector<sqlite::Value> values,
                std::string_view kind, std::string detail) {
    return write(id, kind, std::move(detail), [&]() -> Status {
      values.insert(values.begin(), std::string(to_string(stage)));
      values.emplace_back(clock_.now());
      values.emplace_back(std::string(id));
      auto st = db_->run("UPDATE entries SET stage = ?" + (set.empty() ? "" : ", " + set) + ", updated_at = ? WHERE id = ?",
                         values);
      if (!st) return st;
      if (db_->changes() != 1)
        return make_error(ErrorKind::Internal, "ledger.unknown_entry", "no ledger entry '" + std::string(id) + "'",
                          "upsert the entry first");
      return {};
    });
  }

  template <class F>
  Status write(std::string_view id, std::string_view kind, std::string detail, F&& body) {
    std::lock_guard guard(mutex_);
    if (auto st = db_->exec("BEGIN IMMEDIATE"); !st) return st;
    Status st = body();
    if (st && !kind.empty())
      st = db_->run("INSERT INTO events(id, at, kind, detail) VALUES(?, ?, ?, ?)",
                    {std::string(id), clock_.now(), std::string(kind), std::move(detail)});
    if (st) st = db_->exec("COMMIT");
    if (!st) {
      (void)db_->exec("ROLLBACK");
      return st;
    }
    ++writes_;
    return {};
  }

  posix::Fd lock_;  // declared first: closed after SQLite, so its POSIX locks are not dropped early
  std::unique_ptr<sqlite::Db> db_;
  const Clock& clock_;
  const std::string columns_;  // of this file's schema
  mutable std::mutex mutex_;
  std::int64_t writes_ = 0;
};

Status configure(sqlite::Db& db, bool writable) {
  if (auto st = db.exec("PRAGMA busy_timeout = 5000"); !st) return st;
  if (!writable) return {};
  if (auto st = db.exec("PRAGMA journal_mode = WAL"); !st) return st;
  // FULL: a commit is on disk before the next step runs (power loss keeps what the ledger said).
  return db.exec("PRAGMA synchronous = FULL");
}

// Refuses anything that is not an intact ledger of a schema we know; its schema version.
Result<std::int64_t> validate(sqlite::Db& db) {
  std::int64_t application_id = -1, version = -1;
  std::string check;
  if (auto st = db.query("PRAGMA application_id", {}, [&](const sqlite::Row& r) { application_id = r.integer(0); }); !st)
    return st.error();
  if (application_id != kApplicationId)
    return make_error(ErrorKind::InvalidInput, "ledger.foreign",
                      db.path() + " is an SQLite database, but not a dcvkit ledger",
                      "give the --state file of a dcvkit run, or a new path to start one");
  if (auto st = db.query("PRAGMA user_version", {}, [&](const sqlite::Row& r) { version = r.integer(0); }); !st)
    return st.error();
  if (version > kSchemaVersion)
    return make_error(ErrorKind::InvalidInput, "ledger.newer",
                      db.path() + " was written by a newer dcvkit (ledger schema " + std::to_string(version) + ")",
                      "use that dcvkit version or newer");
  if (auto st = db.query("PRAGMA quick_check", {}, [&](const sqlite::Row& r) { if (check.empty()) check = r.text(0); }); !st)
    return st.error();
  if (check != "ok")
    return make_error(ErrorKind::InvalidInput, "ledger.corrupt",
                      "the state file " + db.path() + " is damaged (SQLite integrity check: " + check + ")",
                      "restore it from a backup or give a new --state file; dcvkit never resets a ledger itself");
  return version;
}

// Brings an older schema up to this one in one transaction (all or nothing, like every write).
Status migrate(sqlite::Db& db, std::int64_t from) {
  if (from >= kSchemaVersion) return {};
  std::string steps = "BEGIN IMMEDIATE; ";
  if (from < 2)
    steps += "ALTER TABLE entries ADD COLUMN order_in_flight_until INTEGER NOT NULL DEFAULT 0; "
             "UPDATE entries SET order_in_flight_until = order_sent_at + " + std::to_string(kSchema1InFlight) +
             " WHERE order_sent_at > 0; ";
  if (from < 3)
    steps += "ALTER TABLE entries ADD COLUMN order_ref TEXT NOT NULL DEFAULT ''; "
             "UPDATE entries SET order_ref = CAST(order_id AS TEXT) WHERE order_id > 0; ";
  steps += "PRAGMA user_version = " + std::to_string(kSchemaVersion) + "; COMMIT;";
  if (auto st = db.exec(steps); !st) {
    (void)db.exec("ROLLBACK");
    return st;
  }
  return {};
}

// A new ledger is built under a temporary name and linked into place complete, so a file at
// `path` is either a whole ledger or not ours (an empty file is refused, not initialised).
Status create_new(const std::string& path) {
  const std::string temp = path + ".new-" + posix::random_suffix();
  {
    posix::Fd fd(::open(temp.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) return io_error(temp, "cannot create");
  }
  auto cleanup = [&] { ::unlink(temp.c_str()); };
  auto db = sqlite::Db::open(temp, SQLITE_OPEN_READWRITE);
  if (!db) {
    cleanup();
    return db.error();
  }
  Status st = (*db)->exec("PRAGMA application_id = " + std::to_string(kApplicationId) +
                          "; PRAGMA user_version = " + std::to_string(kSchemaVersion) + "; BEGIN; " +
                          std::string(kSchema) + " COMMIT;");
  db->reset();  // rollback journal mode here: closing leaves one self-contained file
  if (st) {
    posix::Fd fd(::open(temp.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid() || ::fsync(fd.get()) != 0) st = io_error(temp, "cannot sync");
  }
  if (st && ::link(temp.c_str(), path.c_str()) != 0 && errno != EEXIST) st = io_error(path, "cannot create");
  cleanup();
  return st;
}

Result<std::unique_ptr<Ledger>> open_ledger(const std::string& path, const Clock& clock, bool writable) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT || !writable) return io_error(path, "cannot open the state file");
    if (auto st = create_new(path); !st) return st.error();
    if (::stat(path.c_str(), &info) != 0) return io_error(path, "cannot open the state file");
  }
  if (!S_ISREG(info.st_mode))
    return make_error(ErrorKind::InvalidInput, "ledger.not_a_file", path + " is not a regular file", "give a file path");
  if (info.st_size == 0)
    return make_error(ErrorKind::InvalidInput, "ledger.corrupt", "the state file " + path + " is empty (truncated?)",
                      "restore it from a backup, or delete it to start a new ledger; dcvkit never resets one itself");
  posix::Fd lock(::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW));
  if (!lock.valid()) return io_error(path, "cannot open the state file");
  if (writable && ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0)
    return make_error(ErrorKind::Io, "ledger.busy", "the state file " + path + " is in use by another dcvkit run",
                      "wait for that run to finish (or stop it); two runs must not share a ledger");
  auto db = sqlite::Db::open(path, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY);
  if (!db) return db.error();
  if (auto st = configure(**db, writable); !st) return st.error();
  auto version = validate(**db);
  if (!version) return version.error();
  if (writable) {
    if (auto st = migrate(**db, *version); !st) return st.error();
    *version = kSchemaVersion;
  }
  return std::unique_ptr<Ledger>(new SqliteLedger(std::move(lock), std::move(*db), clock, *version));
}

}  // namespace

Result<std::unique_ptr<Ledger>> Ledger::open(const std::string& path, const Clock& clock) {
  return open_ledger(path, clock, true);
}

Result<std::unique_ptr<Ledger>> Ledger::open_read_only(const std::string& path, const Clock& clock) {
  return open_ledger(path, clock, false);
}

}  // namespace dcvkit
