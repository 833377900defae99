// `dcvkit run` as a library call: every certificate of a manifest from nothing (or from wherever
// the ledger says it stopped) to verified files on disk:
//   key + CSR -> token -> publish -> check (until a deadline) -> order -> chain in the ledger ->
//   verified files -> unpublish.
// Each step is committed to the ledger before the next starts, so a run killed at any point and
// started again neither orders a certificate twice nor loses one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dcvkit/certcentral.hpp"
#include "dcvkit/check_batch.hpp"
#include "dcvkit/deploy.hpp"
#include "dcvkit/ledger.hpp"
#include "dcvkit/manifest.hpp"
#include "dcvkit/token.hpp"
#include "dcvkit/token_time.hpp"

namespace dcvkit {

struct PipelineResult {
  std::string id;
  Stage stage = Stage::New;  // where it ended: Done, Failed, or New when the run stopped before it
  Stage failed_at = Stage::New;  // Failed: the stage it could not get past
  bool orders_first = false;     // from an ACME CA: ordered right after the CSR (step_after)
  ErrorKind error_kind = ErrorKind::Internal;
  std::string error_code, error_message, hint;
  std::int64_t order_id = 0, certificate_id = 0;
  std::string order_ref;     // the CA's name for the order: CertCentral's id as text, an ACME order URL
  std::string out_dir;
  UnixSeconds not_after = 0;
  bool reused = false;       // already done in an earlier run: nothing was sent this time
  // Names the leaf written in this run carries beyond those ordered: the CA's automatic www
  // addition (check_leaf_names). Also in the ledger's "files" event.
  std::vector<std::string> added_names;
};

struct PipelineOptions {
  std::string keys_dir;                  // generated keys and CSRs go here (created 0700)
  std::size_t concurrency = 8;           // certificates in progress at once
  // The account's AuthKey as a keyed token engine: the key bytes are not copied around (nor
  // stored, nor printed). Shared by the workers, each making its own clone (an engine is not
  // thread-safe).
  std::shared_ptr<const TokenEngine> token_engine;
  // CertCentral: one client per worker (clients are not thread-safe; they share one throttle per
  // API key). Null when the run has no API key: its CertCentral certificates fail (run.no_api_key).
  std::function<Result<std::unique_ptr<certcentral::Client>>()> make_client;
  // ACME entries (manifest "ca": {"acme": ...}) make their own clients from the manifest; this
  // sees each of their requests (-v), keys and signatures never shown.
  certcentral::WireLog acme_wire_log;
  CheckBatchOptions check;               // how names are checked (resolver, ports, ...)
  std::chrono::seconds check_deadline{600};  // keep re-checking failing names this long
  std::chrono::seconds issue_deadline{600};  // a pending order is polled this long
  UnixSeconds token_skew = kTokenClockSkewMargin;  // tokens are dated this far in the past (clock skew at the CA)
  UnixSeconds token_min_left = 86400;    // a ledger token with less validity left is made anew
  bool keep_tokens = false;              // leave the tokens published after issuance
  bool retry_failed = false;             // start failed certificates again from where they failed
  bool overwrite_files = true;           // certificate files of a previous issuance are replaced
  DeployHook deploy;                     // for entries without their own "deploy" (--deploy-hook)
  const Clock* clock = nullptr;          // null: the system clock
  Timer* timer = nullptr;                // waits between re-checks; null: steady_timer()
  // Called from worker threads, one call at a time: one line about a certificate's progress.
  std::function<void(const std::string& id, Stage stage, const std::string& detail)> on_progress;
  // Called from worker threads, one call at a time: something a person should see even without
  // progress lines (a certificate held back, why, and until when).
  std::function<void(const std::string& id, const std::string& text)> on_notice;
  // Called once per certificate when it ends, one call at a time, in the order they end; also for
  // each certificate left alone because the run stopped. Results are not kept otherwise: a run of a
  // million certificates holds only the ones in progress.
  std::function<void(const PipelineResult& result, const ManifestEntry& spec)> on_result;
};

struct PipelineSummary {
  std::size_t total = 0;                // certificates in the manifest
  std::size_t done = 0, failed = 0;
  std::size_t not_started = 0;          // left alone because the run stopped
  // Set when the run stopped early: certificate files could not be written (a full or read-only
  // disk hits every certificate alike, and ordering more would only buy certificates that cannot
  // be installed) or the ledger could not record a step. The message names the path.
  std::optional<Error> stopped;
  std::size_t api_requests = 0;         // HTTP requests sent to the API in this run
  double seconds = 0;
  // How the certificates ended, largest group first: "done", "failed at <stage>: <code>",
  // "not started" (what the summary table and the report's chart show).
  std::vector<std::pair<std::string, std::size_t>> outcomes;
};

// "done", "failed at <stage>: <code>" or "not started".
std::string outcome_of(const PipelineResult& result);

// Where run_pipeline takes its certificates from, one at a time (calls are serialised): the next
// entry, nullopt at the end, or an error (ManifestFile::next: the file changed under the run).
using ManifestCursor = std::function<Result<std::optional<ManifestEntry>>()>;

// Runs the manifest's certificates against the ledger, `total` of them (for the summary; the
// cursor decides). Fails only when the key directory is unsafe; a certificate's failure is
// recorded in the ledger and in its result (also a CA that cannot be reached or an account that cannot
// be found); a cursor error stops the run (summary.stopped).
Result<PipelineSummary> run_pipeline(Ledger& ledger, const ManifestCursor& next, std::size_t total,
                                     const PipelineOptions& options);

class RowSpool;

// One self-contained HTML page about a run: the outcomes, and per certificate its names, stage,
// order and certificate ids, expiry, files and what went wrong. Rows are spooled to a temporary
// file as certificates end (a million of them make a file, not memory); write() puts the page in
// place atomically. Nothing secret is in it: the ledger holds no secret, and neither tokens nor
// chains are shown.
class RunReportWriter {
 public:
  static Result<RunReportWriter> open();
  RunReportWriter(RunReportWriter&& other) noexcept;
  RunReportWriter& operator=(RunReportWriter&&) = delete;
  ~RunReportWriter();

  // `entry`: the certificate's ledger entry after the run (null: it has none).
  Status add(const PipelineResult& result, const ManifestEntry& spec, const LedgerEntry* entry);
  Status write(const std::string& path, const PipelineSummary& summary, UnixSeconds generated_at, bool overwrite);

 private:
  explicit RunReportWriter(std::unique_ptr<RowSpool> spool);
  std::unique_ptr<RowSpool> spool_;
};

// The ledger (and, after a run, its summary) in the Prometheus text format, for node_exporter's
// textfile collector (`dcvkit run --metrics-file`). Per certificate: dcvkit_certificate_expiry_timestamp_seconds,
// dcvkit_certificate_last_success_timestamp_seconds (when it last got to done), dcvkit_certificate_stage
// (1 for its stage), dcvkit_certificate_failures (its recorded failures, by code); per run:
// dcvkit_run_* (end time, duration, API requests, certificates by outcome).
Result<std::string> prometheus_metrics(Ledger& ledger, const PipelineSummary* run, UnixSeconds now);

// The deploy hook a certificate uses: its manifest line's, else the run's (--deploy-hook).
const DeployHook& deploy_hook_of(const ManifestEntry& spec, const DeployHook& run_default);
// Whether the entry's current certificate was deployed already (a "deploy" event for its id, ok).
Result<bool> deployed_already(Ledger& ledger, const LedgerEntry& entry);
// Runs `hook` for the entry's written files and records it as a "deploy" event
// ({"certificate_id", "ok"[, "code", "message"][, "redeploy"]}); returns the hook's outcome.
Status deploy_written(Ledger& ledger, const ManifestEntry& spec, const LedgerEntry& entry, const DeployHook& hook, bool redeploy);

// What `dcvkit run` would do with one certificate, from its manifest line and ledger entry alone
// (`dcvkit run --dry-run`), with the same rules the run applies: nothing is generated, sent,
// published or written.
struct RunForecast {
  std::string action;   // "issue", "resume", "renew", "nothing", "held" (failed earlier, not retried)
  std::string detail;   // for a person: what, from which step, until when
  bool orders = false;  // it would work towards an order (its names are worth checking)
};
// `orders_first`: the manifest line names an ACME CA (ordered right after the CSR).
RunForecast forecast_certificate(const std::optional<LedgerEntry>& entry, bool orders_first, bool retry_failed,
                                 std::optional<UnixSeconds> renew_window, UnixSeconds now);
// Whether the entry was last run from a manifest line naming an ACME CA ("ca"): its certificate is
// ordered right after the CSR. For listings made from the ledger alone (`dcvkit run --status`).
bool orders_first_as_stored(const LedgerEntry& entry);

// Revokes the certificate the ledger holds for `spec` through its CA (`dcvkit run --revoke ID`),
// records a "revoke" event and sends the entry back to New: the next run orders a replacement
// with a new key. `reason`: unspecified, key_compromise, affiliation_changed, superseded,
// cessation_of_operation, or "". Returns what the CA did, for a person.
Result<std::string> revoke_entry(Ledger& ledger, const ManifestEntry& spec, const PipelineOptions& options,
                                 const std::string& reason);

// The files of issued certificates again, from the ledger alone (`dcvkit run --export`).
Result<std::size_t> export_from_ledger(Ledger& ledger, const ManifestCursor& next, bool overwrite);

// Renewal selection (`dcvkit run --renew-within`): every done certificate whose notAfter is at most
// `window` seconds after `clock.now()` goes back to a new token and a new order with the same key
// (rewound to csr_ready). Returns how many were selected.
Result<std::size_t> select_renewals(Ledger& ledger, UnixSeconds window, const Clock& clock);
// The rule select_renewals applies to one entry (a dry run asks it without rewinding anything).
bool due_for_renewal(const LedgerEntry& entry, UnixSeconds window, UnixSeconds now);

}  // namespace dcvkit
