#include "store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace dcvkit::sandbox {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS accounts (
  id INTEGER PRIMARY KEY,
  key_sha256 TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS auth_keys (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL UNIQUE REFERENCES accounts(id),
  auth_key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  product TEXT NOT NULL,
  status TEXT NOT NULL,
  created INTEGER NOT NULL,
  common_name TEXT NOT NULL,
  names TEXT NOT NULL,
  csr TEXT NOT NULL,
  signature_hash TEXT NOT NULL,
  dcv_method TEXT NOT NULL,
  use_auth_key INTEGER NOT NULL,
  validity_days INTEGER NOT NULL,
  certificate_id INTEGER NOT NULL DEFAULT 0,
  dcv_reasons TEXT NOT NULL DEFAULT '[]');
CREATE INDEX IF NOT EXISTS orders_by_account ON orders(account_id, id);
CREATE TABLE IF NOT EXISTS certificates (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  serial TEXT NOT NULL,
  common_name TEXT NOT NULL,
  leaf_pem TEXT NOT NULL,
  intermediate_pem TEXT NOT NULL,
  root_pem TEXT NOT NULL,
  intermediate_cn TEXT NOT NULL,
  root_cn TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revocations (
  certificate_id INTEGER PRIMARY KEY REFERENCES certificates(id),
  reason TEXT NOT NULL,
  comments TEXT NOT NULL,
  revoked INTEGER NOT NULL);
)sql";

// Order and certificate ids live in different ranges, so a client that mixes them up fails.
constexpr const char* kFirstIds = R"sql(
INSERT INTO sqlite_sequence(name, seq) VALUES ('orders', 100000), ('certificates', 500000);
PRAGMA user_version = 1;
)sql";

constexpr const char* kOrderColumns =
    "id, account_id, product, status, created, common_name, names, csr, signature_hash, dcv_method, use_auth_key, "
    "validity_days, certificate_id, dcv_reasons";

void check(const Status& status) {
  if (!status) throw std::runtime_error(status.error().message);
}

std::string to_json_list(const std::vector<std::string>& items) { return nlohmann::json(items).dump(); }

std::vector<std::string> from_json_list(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_array() ? j.get<std::vector<std::string>>() : std::vector<std::string>{};
}

OrderRecord order_from(const sqlite::Row& r) {
  OrderRecord o;
  o.id = r.integer(0);
  o.account = r.integer(1);
  o.product = r.text(2);
  o.status = r.text(3);
  o.created = r.integer(4);
  o.common_name = r.text(5);
  o.names = from_json_list(r.text(6));
  o.csr = r.text(7);
  o.signature_hash = r.text(8);
  o.dcv_method = r.text(9);
  o.use_auth_key = r.integer(10) != 0;
  o.validity_days = static_cast<int>(r.integer(11));
  if (r.integer(12) != 0) o.certificate_id = r.integer(12);
  o.dcv_reasons = from_json_list(r.text(13));
  return o;
}

// The first column of the first row, as an integer (0 when there is none).
std::int64_t single_integer(sqlite::Db& db, std::string_view sql, const std::vector<sqlite::Value>& params) {
  std::int64_t value = 0;
  check(db.query(sql, params, [&value](const sqlite::Row& r) { value = r.integer(0); }));
  return value;
}

Error state_error(const std::string& path, const std::string& detail) {
  return make_error(ErrorKind::Io, "sandbox.state", "cannot use the state file " + path + ": " + detail,
                    "give a --state path in a writable directory, or remove a file that is not a sandbox state");
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  const bool memory = path.empty() || path == ":memory:";
  if (!memory) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return state_error(path, std::strerror(errno));
    ::close(fd);
  }
  auto db = sqlite::Db::open(memory ? ":memory:" : path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             {"sandbox.state", "dcvkit-sandbox state database",
                              "give another --state file (or none: in memory)", "another dcvkit-sandbox uses it"});
  if (!db) return state_error(path, db.error().message);
  auto store = std::make_unique<Store>(std::move(*db));
  if (auto s = store->migrate(); !s) return state_error(path, s.error().message);
  return store;
}

Status Store::migrate() {
  for (const char* pragma : {"PRAGMA busy_timeout = 5000", "PRAGMA foreign_keys = ON"})
    if (auto s = db_->exec(pragma); !s) return s;
  if (db_->path() != ":memory:") {
    if (auto s = db_->exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL"); !s) return s;
  }
  if (auto s = db_->exec("BEGIN IMMEDIATE"); !s) return s;
  Status s = db_->exec(kSchema);
  std::int64_t version = -1;
  if (s) s = db_->query("PRAGMA user_version", {}, [&version](const sqlite::Row& r) { version = r.integer(0); });
  if (s && version == 0) s = db_->exec(kFirstIds);
  if (s) s = db_->exec("COMMIT");
  if (!s) (void)db_->exec("ROLLBACK");
  return s;
}

Id Store::ensure_account(const std::string& key_digest) {
  std::lock_guard lock(mutex_);
  check(db_->run("INSERT OR IGNORE INTO accounts(key_sha256) VALUES (?)", {key_digest}));
  return single_integer(*db_, "SELECT id FROM accounts WHERE key_sha256 = ?", {key_digest});
}

std::optional<AuthKeyRecord> Store::auth_key(Id account) {
  std::lock_guard lock(mutex_);
  std::optional<AuthKeyRecord> found;
  check(db_->query("SELECT id, auth_key FROM auth_keys WHERE account_id = ?", {account},
                   [&found](const sqlite::Row& r) { found = AuthKeyRecord{r.integer(0), r.text(1)}; }));
  return found;
}

std::optional<AuthKeyRecord> Store::create_auth_key(Id account, const std::string& key) {
  std::lock_guard lock(mutex_);
  const Id id = single_integer(
      *db_, "INSERT INTO auth_keys(account_id, auth_key) VALUES (?, ?) ON CONFLICT(account_id) DO NOTHING RETURNING id",
      {account, key});
  if (id == 0) return std::nullopt;
  return AuthKeyRecord{id, key};
}

bool Store::delete_auth_key(Id account) {
  std::lock_guard lock(mutex_);
  check(db_->run("DELETE FROM auth_keys WHERE account_id = ?", {account}));
  return db_->changes() > 0;
}

Id Store::insert_order(const OrderRecord& o) {
  std::lock_guard lock(mutex_);
  return single_integer(*db_,
                        "INSERT INTO orders(account_id, product, status, created, common_name, names, csr, signature_hash, "
                        "dcv_method, use_auth_key, validity_days, dcv_reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        "RETURNING id",
                        {o.account, o.product, o.status, o.created, o.common_name, to_json_list(o.names), o.csr,
                         o.signature_hash, o.dcv_method, std::int64_t{o.use_auth_key ? 1 : 0}, std::int64_t{o.validity_days},
                         to_json_list(o.dcv_reasons)});
}

std::optional<OrderRecord> Store::order(Id account, Id id) {
  std::lock_guard lock(mutex_);
  std::optional<OrderRecord> found;
  check(db_->query(std::string("SELECT ") + kOrderColumns + " FROM orders WHERE account_id = ? AND id = ?", {account, id},
                   [&found](const sqlite::Row& r) { found = order_from(r); }));
  return found;
}

OrderPage Store::list_orders(Id account, const OrderFilter& f) {
  std::lock_guard lock(mutex_);
  const std::string where =
      " FROM orders WHERE account_id = ?1 AND (?2 = '' OR status = ?2) AND (?3 = '' OR common_name = ?3)";
  OrderPage page;
  page.total = single_integer(*db_, "SELECT COUNT(*)" + where, {account, f.status, f.common_name});
  check(db_->query(std::string("SELECT ") + kOrderColumns + where + " ORDER BY id DESC LIMIT ?4 OFFSET ?5",
                   {account, f.status, f.common_name, f.limit, f.offset},
                   [&page](const sqlite::Row& r) { page.orders.push_back(order_from(r)); }));
  return page;
}

void Store::set_dcv_reasons(Id order_id, const std::vector<std::string>& reasons) {
  std::lock_guard lock(mutex_);
  check(db_->run("UPDATE orders SET dcv_reasons = ? WHERE id = ?", {to_json_list(reasons), order_id}));
}

bool Store::cancel(Id order_id) {
  std::lock_guard lock(mutex_);
  // A pending order ends canceled; a pending reissue is dropped and the order is issued again.
  check(db_->run("UPDATE orders SET status = CASE status WHEN 'reissue_pending' THEN 'issued' ELSE 'canceled' END "
                 "WHERE id = ? AND status IN ('pending', 'waiting_pickup', 'reissue_pending')",
                 {order_id}));
  return db_->changes() > 0;
}

bool Store::begin_reissue(Id order_id, const OrderRecord& with) {
  std::lock_guard lock(mutex_);
  check(db_->run("UPDATE orders SET status = 'reissue_pending', common_name = ?, names = ?, csr = ?, signature_hash = ?, "
                 "dcv_reasons = '[]' WHERE id = ? AND status IN ('issued', 'reissue_pending')",
                 {with.common_name, to_json_list(with.names), with.csr, with.signature_hash, order_id}));
  return db_->changes() > 0;
}

std::vector<Id> Store::revoke(Id order_id, std::optional<Id> only, const std::string& reason, const std::string& comments,
                              UnixSeconds now) {
  std::lock_guard lock(mutex_);
  std::vector<Id> ids;
  check(db_->query("SELECT id FROM certificates WHERE order_id = ?1 AND (?2 = 0 OR id = ?2) "
                   "AND id NOT IN (SELECT certificate_id FROM revocations)",
                   {order_id, only.value_or(0)}, [&ids](const sqlite::Row& r) { ids.push_back(r.integer(0)); }));
  check(db_->exec("BEGIN IMMEDIATE"));
  Status s;
  for (Id id : ids)
    if (s) s = db_->run("INSERT INTO revocations(certificate_id, reason, comments, revoked) VALUES (?, ?, ?, ?)",
                        {id, reason, comments, now});
  // Revoking the order ends it; revoking one certificate leaves the order active (it can be reissued).
  if (s && !only) s = db_->run("UPDATE orders SET status = 'revoked' WHERE id = ?", {order_id});
  if (s) s = db_->exec("COMMIT");
  if (!s) {
    (void)db_->exec("ROLLBACK");
    check(s);
  }
  return ids;
}

bool Store::revoked(Id certificate_id) {
  std::lock_guard lock(mutex_);
  return single_integer(*db_, "SELECT COUNT(*) FROM revocations WHERE certificate_id = ?", {certificate_id}) > 0;
}

std::optional<Id> Store::issue(Id order_id, const CertificateRecord& c) {
  std::lock_guard lock(mutex_);
  std::string status;
  Id existing = 0;
  check(db_->query("SELECT status, certificate_id FROM orders WHERE id = ?", {order_id}, [&](const sqlite::Row& r) {
    status = r.text(0);
    existing = r.integer(1);
  }));
  if (status == "issued" && existing != 0) return existing;
  if (status != "pending" && status != "reissue_pending") return std::nullopt;
  // One transaction: the certificate exists exactly when the order says issued.
  check(db_->exec("BEGIN IMMEDIATE"));
  Id certificate_id = 0;
  Status s = db_->query(
      "INSERT INTO certificates(order_id, serial, common_name, leaf_pem, intermediate_pem, root_pem, intermediate_cn, "
      "root_cn) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {order_id, c.serial, c.common_name, c.leaf_pem, c.intermediate_pem, c.root_pem, c.intermediate_cn, c.root_cn},
      [&certificate_id](const sqlite::Row& r) { certificate_id = r.integer(0); });
  if (s) s = db_->run("UPDATE orders SET status = 'issued', certificate_id = ?, dcv_reasons = '[]' WHERE id = ?",
                      {certificate_id, order_id});
  if (s) s = db_->exec("COMMIT");
  if (!s) {
    (void)db_->exec("ROLLBACK");
    check(s);
  }
  return certificate_id;
}

std::optional<CertificateRecord> Store::certificate(Id account, Id id) { return certificate_where(account, "c.id = ?2", id); }

std::optional<CertificateRecord> Store::certificate_by_serial(Id account, const std::string& serial) {
  return certificate_where(account, "lower(c.serial) = lower(?2)", serial);
}

std::optional<CertificateRecord> Store::certificate_where(Id account, const std::string& condition, const sqlite::Value& value) {
  std::lock_guard lock(mutex_);
  std::optional<CertificateRecord> found;
  check(db_->query("SELECT c.id, c.order_id, c.serial, c.common_name, c.leaf_pem, c.intermediate_pem, c.root_pem, "
                   "c.intermediate_cn, c.root_cn FROM certificates c JOIN orders o ON o.id = c.order_id "
                   "WHERE o.account_id = ?1 AND " + condition,
                   {account, value}, [&found](const sqlite::Row& r) {
                     found = CertificateRecord{r.integer(0), r.integer(1), r.text(2), r.text(3), r.text(4),
                                               r.text(5),    r.text(6),    r.text(7), r.text(8)};
                   }));
  return found;
}

StoreCounts Store::counts() {
  std::lock_guard lock(mutex_);
  StoreCounts c;
  check(db_->query("SELECT status, COUNT(*) FROM orders GROUP BY status", {}, [&c](const sqlite::Row& r) {
    const auto status = r.text(0);
    const auto n = r.integer(1);
    c.orders_total += n;
    if (status == "issued") c.issued = n;
    if (status == "pending") c.pending = n;
    if (status == "canceled") c.canceled = n;
    if (status == "revoked") c.revoked = n;
    if (status == "reissue_pending") c.reissue_pending = n;
  }));
  c.revoked_certificates = single_integer(*db_, "SELECT COUNT(*) FROM revocations", {});
  c.auth_keys = single_integer(*db_, "SELECT COUNT(*) FROM auth_keys", {});
  return c;
}

}  // namespace dcvkit::sandbox
