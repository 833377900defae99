#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "dcvkit/pipeline.hpp"
#include "pipeline/certificate_job.hpp"

namespace dcvkit {

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
  std::mutex error_mutex;
  std::optional<Error> setup_error;
  auto worker = [&] {
    auto client = shared.make_client();
    if (!client) {
      std::lock_guard lock(error_mutex);
      if (!setup_error) setup_error = client.error();
      return;
    }
    for (std::size_t i = next++; i < manifest.size(); i = next++)
      summary.results[i] = pipeline::CertificateJob(ledger, manifest[i], shared, **client).run();
    requests += (*client)->stats().requests;
  };
  const std::size_t n = std::max<std::size_t>(1, std::min(options.concurrency, manifest.size()));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (setup_error && next.load() == 0) return *setup_error;

  for (auto& r : summary.results) {
    if (r.id.empty()) {  // never reached: every worker failed to start
      r.stage = Stage::Failed;
      r.error_code = setup_error ? setup_error->code : "run.not_started";
      r.error_message = setup_error ? setup_error->message : "not started";
    }
    if (r.stage == Stage::Done) ++summary.done;
    else ++summary.failed;
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
