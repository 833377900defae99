// The sandbox's state in SQLite: accounts (one per API key, known by the key's SHA-256), their
// AuthKeys, orders and issued certificates. In memory by default; a file (--state) survives a
// restart. Every call is one short critical section: httplib serves on a thread pool. SQLite errors
// after opening throw std::runtime_error (the API answers 500).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dcvkit/clock.hpp"
#include "dcvkit/error.hpp"
#include "util/sqlite_db.hpp"

namespace dcvkit::sandbox {

using Id = std::int64_t;

struct AuthKeyRecord {
  Id id = 0;
  std::string key;
};

struct OrderRecord {
  Id id = 0;
  Id account = 0;
  std::string product;
  std::string status = "pending";  // pending, issued, canceled, reissue_pending, revoked
  UnixSeconds created = 0;
  std::string common_name;
  std::vector<std::string> names;  // common_name + dns_names, canonical, deduplicated
  std::string csr;                 // exactly as sent
  std::string signature_hash;
  std::string dcv_method;
  bool use_auth_key = false;
  int validity_days = 0;
  std::optional<Id> certificate_id;
  std::vector<std::string> dcv_reasons;  // the last validation's failures
};

struct CertificateRecord {
  Id id = 0;
  Id order_id = 0;
  std::string serial;
  std::string common_name;
  std::string leaf_pem, intermediate_pem, root_pem;
  std::string intermediate_cn, root_cn;
};

struct OrderFilter {
  std::string status;       // "": any
  std::string common_name;  // "": any
  std::int64_t limit = 100, offset = 0;
};

struct OrderPage {
  std::vector<OrderRecord> orders;  // newest first
  std::int64_t total = 0;
};

struct StoreCounts {
  std::int64_t orders_total = 0, issued = 0, pending = 0, canceled = 0, auth_keys = 0;
  std::int64_t revoked = 0, reissue_pending = 0, revoked_certificates = 0;
};

class Store {
 public:
  // "" or ":memory:": in memory. A file is created 0600 (it holds AuthKeys) and put in WAL mode.
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  explicit Store(std::unique_ptr<sqlite::Db> db) : db_(std::move(db)) {}

  Id ensure_account(const std::string& key_digest);

  std::optional<AuthKeyRecord> auth_key(Id account);
  std::optional<AuthKeyRecord> create_auth_key(Id account, const std::string& key);  // none: one exists
  bool delete_auth_key(Id account);

  Id insert_order(const OrderRecord& order);  // returns the new id
  std::optional<OrderRecord> order(Id account, Id id);
  OrderPage list_orders(Id account, const OrderFilter& filter);
  void set_dcv_reasons(Id order_id, const std::vector<std::string>& reasons);
  // pending or waiting_pickup -> canceled, reissue_pending -> issued (the reissue dropped); false
  // when the order is in none of these.
  bool cancel(Id order_id);
  // issued (or reissue_pending) -> reissue_pending with the new CSR and names; false otherwise.
  bool begin_reissue(Id order_id, const OrderRecord& with);
  // Records the revocation of the order's certificates not revoked yet (only `only`, when set) and,
  // for the whole order, sets it revoked. Returns the certificates revoked now.
  std::vector<Id> revoke(Id order_id, std::optional<Id> only, const std::string& reason, const std::string& comments,
                         UnixSeconds now);
  bool revoked(Id certificate_id);
  // pending -> issued with this certificate, atomically; the existing certificate id when the
  // order was issued meanwhile, nothing when it is no longer pending.
  std::optional<Id> issue(Id order_id, const CertificateRecord& certificate);
  std::optional<CertificateRecord> certificate(Id account, Id id);
  std::optional<CertificateRecord> certificate_by_serial(Id account, const std::string& serial);

  StoreCounts counts();

 private:
  Status migrate();
  std::optional<CertificateRecord> certificate_where(Id account, const std::string& condition, const sqlite::Value& value);
  std::unique_ptr<sqlite::Db> db_;
  std::mutex mutex_;
};

}  // namespace dcvkit::sandbox
