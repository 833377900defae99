#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "dcvkit/pipeline.hpp"
#include "pipeline/certificate_job.hpp"

namespace dcvkit {
namespace {

// Failures that would hit every certificate alike stop the run instead of being repeated for
// each: files of an issued certificate that cannot be written (disk full, read-only, a path in
// the way: ordering more would only buy certificates that cannot be installed), and a ledger
// that cannot record a step (going on without it would give up exactly-once).
bool stops_the_run(const PipelineResult& r) {
  if (r.stage != Stage::Failed) return false;
  if (r.error_code.rfind("ledger.", 0) == 0) return true;
  return r.error_kind == ErrorKind::Io && r.failed_at == Stage::Issued;
}

Error stop_error(const PipelineResult& r) {
  return make_error(r.error_kind, r.error_code, r.id + ": " + r.error_message,
                    r.failed_at == Stage::Issued
                        ? "the certificate is safe in the ledger: fix the cause (free space, permissions), then run "
                          "again, or write the files with dcvkit run --export"
                        : "fix the cause, then run again: the run continues where it stopped");
}

}  // namespace

Result<PipelineSummary> run_pipeline(Ledger& ledger, const std::vector<ManifestEntry>& manifest,
                                     const PipelineOptions& options) {
  if (!options.make_client)
    return make_error(ErrorKind::Internal, "run.no_client", "no API client to order with", "");
  const auto started = std::chrono::steady_clock::now();
  PipelineSummary summary;
  summary.results.resize(manifest.size());

  // Progress lines come from several workers: one at a time.
  std::mutex progress_mutex;
  PipelineOptions shared = options;
  if (options.on_progress)
    shared.on_progress = [&](const std::string& id, Stage stage, const std::string& detail) {
      std::lock_guard lock(progress_mutex);
      options.on_progress(id, stage, detail);
    };

  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> requests{0};
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  std::optional<Error> setup_error;
  auto worker = [&] {
    auto client = shared.make_client();
    if (!client) {
      std::lock_guard lock(error_mutex);
      if (!setup_error) setup_error = client.error();
      return;
    }
    for (std::size_t i = next++; i < manifest.size() && !stop; i = next++) {
      summary.results[i] = pipeline::CertificateJob(ledger, manifest[i], shared, **client).run();
      if (stops_the_run(summary.results[i])) {
        std::lock_guard lock(error_mutex);
        if (!summary.stopped) summary.stopped = stop_error(summary.results[i]);
        stop = true;
      }
    }
    requests += (*client)->stats().requests;
  };
  const std::size_t n = std::max<std::size_t>(1, std::min(options.concurrency, manifest.size()));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (setup_error && next.load() == 0) return *setup_error;

  for (std::size_t i = 0; i < manifest.size(); ++i) {
    auto& r = summary.results[i];
    if (r.id.empty()) {  // never reached: the run stopped, or every worker failed to start
      r.id = manifest[i].id;
      if (setup_error) {
        r.stage = Stage::Failed;
        r.error_code = setup_error->code;
        r.error_message = setup_error->message;
      } else {
        r.error_code = "run.not_started";
        r.error_message = "not started: the run stopped before this certificate";
      }
    }
    if (r.stage == Stage::Done) ++summary.done;
    else if (r.stage == Stage::Failed) ++summary.failed;
    else ++summary.not_started;
  }
  summary.api_requests = requests;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

Result<std::size_t> export_from_ledger(Ledger& ledger, const std::vector<ManifestEntry>& manifest, bool overwrite) {
  std::size_t written = 0;
  for (const auto& spec : manifest) {
    auto e = ledger.get(spec.id);
    if (!e) return e.error();
    if (!e->has_value() || (*e)->chain_pem.empty()) continue;
    auto verified = pipeline::write_ledger_chain(**e, spec, overwrite, system_clock().now());
    if (!verified) return verified.error();
    ++written;
  }
  return written;
}

}  // namespace dcvkit
