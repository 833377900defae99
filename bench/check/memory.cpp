// Memory figures, and the --memory run: does a batch of 100,000 names stay under 100 MB?
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <thread>

#include "bench_check.hpp"

namespace bench_check {
namespace {

// A "VmHWM:   1234 kB" line of /proc/self/status, in MB; 0 when absent.
double status_mb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  return 0;
}

}  // namespace

// Tells a leak from RSS the allocator keeps after a run (freed chunks it does not return).
double heap_in_use_mb() { return static_cast<double>(mallinfo2().uordblks) / (1024.0 * 1024.0); }

double rss_now_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double peak_rss_mb() { return status_mb("VmHWM"); }

double process_peak_rss_mb() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

void reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

int run_memory(const Options& options, const World& world, const dcvkit::CheckBatchOptions& dns_options,
               const std::shared_ptr<const dcvkit::TokenExpectation>& expected, double setup_rss_mb) {
  const std::size_t n = options.names;
  const std::vector<const dcvkit::test::DnsServer*> servers = {world.resolver.get(), world.ns1.get(), world.ns2.get()};
  std::uint64_t before_queries = 0;
  for (const auto* s : servers) before_queries += queries_received(*s);
  ::malloc_trim(0);  // what setup freed goes back first: the batch's own peak is measured
  const double rss_before = rss_now_mb();
  reset_peak_rss();  // (resets getrusage's figure too: the process's peak is the larger of the two)
  const BatchRun r = run_batch(dns_options, n, dcvkit::DcvMethod::Dns, expected);
  const double batch_peak = peak_rss_mb(), process_peak = std::max(setup_rss_mb, process_peak_rss_mb());
  std::uint64_t after_queries = 0;
  for (const auto* s : servers) after_queries += queries_received(*s);
  const double per_name = static_cast<double>(after_queries - before_queries) / static_cast<double>(n);
  const bool valid = r.failures == 0;

  std::printf("bench_check --memory: %zu names (DNS only), concurrency %zu, %zu queries in flight, %u CPUs,\n"
              "             3 BIND up in %.1f s\n",
              n, options.concurrency, options.dns_in_flight, std::thread::hardware_concurrency(), world.setup_s);
  std::printf("run_check_batch: %.0f names/s, p50 %.2f ms, p99 %.2f ms, %zu failed, %.3f queries per name (BIND)\n",
              r.names_per_s, r.p50_ms, r.p99_ms, r.failures, per_name);
  for (const auto& f : r.first_failures) std::printf("  FAILED %s\n", f.c_str());
  std::printf("peak RSS during the batch %.1f MB (target < 100): %.1f MB before it (libraries, the servers' handles), "
              "+%.1f MB for the batch; heap in use after it %.1f MB\n",
              batch_peak, rss_before, batch_peak - rss_before, heap_in_use_mb());
  std::printf("whole process peak %.1f MB (setup: %.1f MB)%s\n", process_peak, setup_rss_mb,
              valid ? "" : "   RUN INVALID: some names failed");
  std::printf(
      "{\"dns_names_per_s\": %.0f, \"dns_limit_qps\": 0, \"dns_ratio\": 0.000, \"http_names_per_s\": 0, "
      "\"http_limit_rps\": 0, \"dns_queries_per_name\": %.3f, \"http_ratio\": 0.000, \"peak_rss_mb\": %.1f, "
      "\"mode\": \"memory\", \"names\": %zu, \"valid\": %s, \"dns_failures\": %zu, \"batch_peak_rss_mb\": %.1f, "
      "\"rss_before_batch_mb\": %.1f, \"setup_rss_mb\": %.1f, \"dns_p50_ms\": %.2f, \"dns_p99_ms\": %.2f}\n",
      r.names_per_s, per_name, process_peak, n, valid ? "true" : "false", r.failures, batch_peak, rss_before,
      setup_rss_mb, r.p50_ms, r.p99_ms);
  return valid ? 0 : 1;
}

}  // namespace bench_check
