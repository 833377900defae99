#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "dcvkit/files.hpp"
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

PipelineResult not_started(const ManifestEntry& spec) {
  PipelineResult r;
  r.id = spec.id;
  r.error_code = "run.not_started";
  r.error_message = "not started: the run stopped before this certificate";
  return r;
}

std::vector<std::pair<std::string, std::size_t>> largest_first(const std::map<std::string, std::size_t>& counts) {
  std::vector<std::pair<std::string, std::size_t>> out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

}  // namespace

Result<PipelineSummary> run_pipeline(Ledger& ledger, const ManifestCursor& next, std::size_t total,
                                     const PipelineOptions& options) {
  // Keys (and CSRs) made in an earlier run are used from there: a directory others can write to
  // stops the run before anything is read from it or ordered.
  if (struct stat st {}; !options.keys_dir.empty() && ::lstat(options.keys_dir.c_str(), &st) == 0)
    if (auto ok = ensure_private_dir(options.keys_dir, "key directory"); !ok) return ok.error();
  const auto started = std::chrono::steady_clock::now();
  PipelineSummary summary;
  summary.total = total;
  std::map<std::string, std::size_t> outcomes;

  // Progress lines and results come from several workers: one at a time.
  std::mutex output_mutex;
  PipelineOptions shared = options;
  if (options.on_progress)
    shared.on_progress = [&](const std::string& id, Stage stage, const std::string& detail) {
      std::lock_guard lock(output_mutex);
      options.on_progress(id, stage, detail);
    };
  if (options.on_notice)
    shared.on_notice = [&](const std::string& id, const std::string& text) {
      std::lock_guard lock(output_mutex);
      options.on_notice(id, text);
    };
  auto record = [&](const PipelineResult& r, const ManifestEntry& spec) {
    std::lock_guard lock(output_mutex);
    if (r.stage == Stage::Done) ++summary.done;
    else if (r.stage == Stage::Failed) ++summary.failed;
    ++outcomes[outcome_of(r)];
    if (options.on_result) options.on_result(r, spec);
  };

  std::atomic<std::size_t> requests{0};
  std::atomic<bool> stop{false};
  std::mutex cursor_mutex, error_mutex;
  bool cursor_failed = false;  // the manifest cannot be read on: nothing left to report
  auto fail_run = [&](Error e) {
    std::lock_guard lock(error_mutex);
    if (!summary.stopped) summary.stopped = std::move(e);
    stop = true;
  };
  auto take = [&]() -> std::optional<ManifestEntry> {
    std::lock_guard lock(cursor_mutex);
    if (stop) return std::nullopt;
    auto spec = next();
    if (!spec) {
      cursor_failed = true;
      fail_run(spec.error());
      return std::nullopt;
    }
    return std::move(*spec);
  };
  pipeline::PublisherCache publishers;  // one publisher per distinct spec, for the whole run
  CheckService checks(options.check);   // one set of event loops and caches, for the whole run
  auto worker = [&] {
    pipeline::BackendSet backends(shared);  // this worker's CA clients, made as its certificates need them
    while (auto spec = take()) {
      const PipelineResult r = pipeline::CertificateJob(ledger, *spec, shared, backends, publishers, checks).run();
      record(r, *spec);
      if (stops_the_run(r)) fail_run(stop_error(r));
    }
    requests += backends.requests();
  };
  const std::size_t n = std::max<std::size_t>(1, std::min(options.concurrency, std::max<std::size_t>(total, 1)));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  // The rest of the manifest, when the run stopped: each is reported as not started (after a
  // cursor error they are only counted).
  if (stop && !cursor_failed)
    for (auto spec = next(); spec && *spec; spec = next()) record(not_started(**spec), **spec);
  summary.not_started = total > summary.done + summary.failed ? total - summary.done - summary.failed : 0;
  if (summary.not_started) outcomes["not started"] = summary.not_started;
  summary.outcomes = largest_first(outcomes);
  summary.api_requests = requests;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

Result<std::size_t> export_from_ledger(Ledger& ledger, const ManifestCursor& next, bool overwrite) {
  std::size_t written = 0;
  for (;;) {
    auto spec = next();
    if (!spec) return spec.error();
    if (!*spec) return written;
    auto e = ledger.get((*spec)->id);
    if (!e) return e.error();
    if (!e->has_value() || (*e)->chain_pem.empty()) continue;
    auto verified = pipeline::write_ledger_chain(**e, **spec, overwrite, system_clock().now());
    if (!verified) return verified.error();
    ++written;
  }
}

}  // namespace dcvkit
