// The durable record of a batch run (SQLite, WAL, synchronous=FULL): every step is written before
// and after it happens, so a run killed at any point continues where it stopped without ordering a
// certificate twice or losing one. Secrets never enter it: private keys live in files referenced by
// path, and the AuthKey and API key are never passed in.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/clock.hpp"
#include "dcvkit/error.hpp"

namespace dcvkit {

// Where a certificate is in the pipeline. Stored as text; the order is the pipeline's.
enum class Stage {
  New,        // in the manifest, nothing done yet
  CsrReady,   // key + CSR exist (paths recorded)
  TokenReady, // token made (text and timestamp recorded)
  Published,  // token published everywhere the plan says
  Checked,    // every name passes the check
  Ordering,   // the order request is about to be / was sent: its key is recorded, its id not yet
  Ordered,    // the CA knows the order (id recorded), not issued yet
  Issued,     // the chain is in the ledger
  Written,    // the files are written and verified
  Done,       // tokens removed again (or kept on request): nothing left to do
  Failed,     // stopped; failed_stage says where, error_* why
};

std::string_view to_string(Stage stage);
std::optional<Stage> parse_stage(std::string_view text);
// The step that runs after `last_done`, for a person: an entry that failed with failed_stage
// TokenReady "failed at publish" ("csr", "token", "publish", "check", "order", "issuance", "write",
// "deploy"). failed_stage itself stays the last stage completed (where a rerun resumes).
// `orders_first`: a certificate from an ACME CA, ordered right after its CSR (its challenges are
// published and checked once the order exists), so the step after CsrReady is "order", not "token".
std::string_view step_after(Stage last_done, bool orders_first);
// A certificate that failed after this stage is taken up again by the next run without being asked
// (--retry-failed): from the order on, stopping would strand an order or a certificate.
bool resumes_unasked(Stage failed_at);

struct LedgerEntry {
  std::string id;         // the manifest's id
  std::string spec_json;  // the manifest line it was last run with (renewals reuse it)
  Stage stage = Stage::New;
  std::string key_path, csr_path;
  std::string token;
  UnixSeconds token_time = 0;
  std::string order_key;  // idempotency key of the order request (set before it is sent)
  UnixSeconds order_sent_at = 0;
  // Until then the order POST may still be at work in the CA, its answer lost: a lookup that
  // finds no order proves nothing before this time (see certcentral::order_in_flight_window).
  UnixSeconds order_in_flight_until = 0;
  std::int64_t order_id = 0, certificate_id = 0;  // CertCentral's numbers (0 for other CAs)
  // The CA's own name for the order, whatever the CA: a CertCentral order id as text, an ACME
  // order URL (stable, so an interrupted run goes on with the same order).
  std::string order_ref;
  std::string chain_pem;  // exactly as received, leaf first
  UnixSeconds not_after = 0;
  std::string out_dir;
  Stage failed_stage = Stage::New;
  std::string error_code, error_message;
  int attempts = 0;       // how many times the entry was (re)started after a failure
  UnixSeconds updated_at = 0;
};

struct LedgerEvent {
  std::string id;
  UnixSeconds at = 0;
  std::string kind;  // "publish", "check", "order_sent", "order", "chain", "files", "deploy", "unpublish", "failure", "revoke", "order_refused"
  std::string detail_json;
};

class Ledger {
 public:
  // Opens (or creates, mode 0600) the ledger and takes an exclusive lock on it for this process:
  // a second run on the same file is refused instead of interleaving. A file that is not a
  // dcvkit ledger, is corrupt or truncated, or comes from a newer dcvkit is refused with a clear
  // error — never reset.
  static Result<std::unique_ptr<Ledger>> open(const std::string& path, const Clock& clock = system_clock());
  // Read-only access without the lock (for --status while a run is going on).
  static Result<std::unique_ptr<Ledger>> open_read_only(const std::string& path, const Clock& clock = system_clock());
  virtual ~Ledger() = default;

  virtual Result<std::optional<LedgerEntry>> get(std::string_view id) = 0;
  virtual Result<std::vector<LedgerEntry>> all() = 0;
  virtual Result<std::vector<LedgerEvent>> events(std::string_view id) = 0;

  // Adds the entry at Stage::New, or updates the spec of an existing one (its progress is kept).
  virtual Status upsert(std::string_view id, std::string_view spec_json) = 0;
  virtual Status record_csr(std::string_view id, std::string_view key_path, std::string_view csr_path) = 0;
  virtual Status record_token(std::string_view id, std::string_view token, UnixSeconds token_time) = 0;
  virtual Status record_published(std::string_view id, std::string_view detail_json) = 0;
  virtual Status record_checked(std::string_view id, std::string_view detail_json) = 0;
  // Before each order POST is sent: a fresh idempotency key, the time, and the time until which
  // that POST may be in flight at the CA, committed to disk.
  virtual Result<std::string> record_order_intent(std::string_view id, UnixSeconds in_flight_until) = 0;
  // The CA answered the order request with a refusal that proves no order exists (a wrong API
  // key, a rejected request): the intent is void, and the entry goes back to `back_to` so the next
  // run orders without first waiting out the in-flight window and searching for an order.
  virtual Status withdraw_order_intent(std::string_view id, Stage back_to, std::string_view reason) = 0;
  // The CA knows the order: its reference (and CertCentral's numeric id; 0 for other CAs).
  virtual Status record_order(std::string_view id, std::string_view order_ref, std::int64_t order_id) = 0;
  // The chain as received, committed before anything else is done with it.
  virtual Status record_chain(std::string_view id, std::int64_t order_id, std::int64_t certificate_id,
                              std::string_view chain_pem, UnixSeconds not_after) = 0;
  // `added_names`: names the leaf carries beyond those ordered (the CA's automatic www addition),
  // kept in the "files" event.
  virtual Status record_written(std::string_view id, std::string_view out_dir, UnixSeconds not_after,
                                const std::vector<std::string>& added_names) = 0;
  // The deploy hook ran for the certificate in the entry (an event only: the stage stays Written
  // until cleanup); detail {"certificate_id", "ok"[, "code", "message"]}.
  virtual Status record_deployed(std::string_view id, std::string_view detail_json) = 0;
  virtual Status record_done(std::string_view id, std::string_view detail_json) = 0;
  // The entry's certificate was revoked (`dcvkit run --revoke`): a "revoke" event, and the entry
  // back to New, so the next run orders a replacement with a new key (the chain stays, as history).
  virtual Status record_revoked(std::string_view id, std::string_view detail_json) = 0;
  virtual Status record_failure(std::string_view id, Stage at, std::string_view code, std::string_view message) = 0;
  // Back to a stage to redo the work from there (a failure retried, a token expired, a renewal).
  virtual Status rewind(std::string_view id, Stage to) = 0;

  // Statements that changed the database since open (for the benchmark's writes per certificate).
  virtual std::int64_t writes() const = 0;
};

}  // namespace dcvkit
