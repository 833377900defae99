// bench_run: `dcvkit run`'s pipeline end to end for N certificates (default 1,000) against a real
// dcvkit-sandbox on loopback, rate limits on at the sandbox and the client's throttle on: key +
// CSR, token, webroot publish into a real nginx, check, order (immediate path), chain into the
// ledger, verified files, unpublish. The world is the tests' (support/run_world): nginx, BIND,
// sandbox, each its own process, so the peak RSS below is the pipeline's alone.
// Reported: end-to-end certificates/s against the floor the API's rate limit sets (the throttle
// keeps 95 per 5 s and 950 per 5 min: 1,000 certificates need at least 300 s whatever we do), API
// calls per certificate (the sandbox's own count; 1 is the floor: one POST), ledger writes
// (committed transactions, each fsynced) per certificate, and the peak RSS.
// Usage: bench_run [--certs N] [--concurrency C]
// Last line: {"certs","done","certs_per_s","throttle_floor_s","of_floor","api_calls_per_cert",...}
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "bench_args.hpp"
#include "dcvkit/pipeline.hpp"
#include "dcvkit/publish_rfc2136.hpp"
#include "dcvkit/secret.hpp"
#include "support/run_world.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit;

struct Args {
  int certs = 1000;
  int concurrency = 16;
};

Args parse_args(int argc, char** argv) {
  Args a;
  bench::parse_int_flags(argc, argv, {{"--certs", &a.certs}, {"--concurrency", &a.concurrency}},
                         "bench_run [--certs N] [--concurrency C]");
  if (a.concurrency > 256) throw std::runtime_error("--concurrency must be 1..256");
  return a;
}

// The least time `calls` requests can take under the client's throttle (95 per 5 s and 950 per
// 5 min, each window starting with the first request).
double throttle_floor_seconds(int calls) {
  const double short_window = std::floor((calls - 1) / 95.0) * 5.0;
  const double long_window = std::floor((calls - 1) / 950.0) * 300.0;
  return std::max(short_window, long_window);
}

double rounded(double v) { return std::round(v * 100) / 100; }

int bench_main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  std::fprintf(stderr, "bench_run: starting nginx, BIND and the sandbox (rate limits on)\n");
  test::RunWorld world;
  for (int i = 1; i <= args.certs; ++i) world.add("b" + std::to_string(i), test::RunPublish::Webroot);
  auto manifest = ManifestFile::open(world.manifest());
  if (!manifest) throw std::runtime_error(manifest.error().message);
  auto ledger = Ledger::open(world.state());
  if (!ledger) throw std::runtime_error(ledger.error().message);

  PipelineOptions o;
  o.keys_dir = world.state() + ".keys";
  o.concurrency = static_cast<std::size_t>(args.concurrency);
  const std::string auth_key = test::read_text(world.dir().file("authkey"));
  auto engine = TokenEngine::create(auth_key.substr(0, auth_key.find('\n')));
  if (!engine) throw std::runtime_error(engine.error().message);
  o.token_engine = std::make_shared<const TokenEngine>(std::move(*engine));
  o.make_client = [&]() {
    certcentral::ClientOptions c;
    c.base_url = world.sandbox().url();
    c.api_key = Secret(world.sandbox().api_key());
    c.ca_bundle = world.sandbox().ca_bundle();
    return certcentral::Client::connect(std::move(c));
  };
  o.check.dns.resolver = *parse_host_port(world.dns().server(), 53);
  o.check.dns.ns_port = world.dns().port();
  o.check.http.http_port = world.nginx().http_port();
  o.check.http.https_port = world.nginx().https_port();
  o.check.http.connect_address = "127.0.0.1";
  o.check_deadline = std::chrono::seconds(60);

  const auto before = world.sandbox().stats();
  std::fprintf(stderr, "bench_run: %d certificates, %d at a time\n", args.certs, args.concurrency);
  auto summary = run_pipeline(**ledger, [&] { return (*manifest)->next(); }, (*manifest)->size(), o);
  if (!summary) throw std::runtime_error(summary.error().message);
  const auto after = world.sandbox().stats();
  const std::int64_t writes = (*ledger)->writes();
  ledger->reset();  // closed before the audit reads it

  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const double peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
  const int api_calls = after.value("requests", 0) - before.value("requests", 0);
  const int orders = after.value("orders_total", 0) - before.value("orders_total", 0);
  const auto problems = world.audit();
  const double seconds = summary->seconds;
  const double floor_s = throttle_floor_seconds(args.certs);
  const double done = static_cast<double>(summary->done);
  const double db_kb = static_cast<double>(std::filesystem::file_size(world.state())) / 1024.0;

  std::printf("certificates:            %zu of %d done, %zu failed (%d at a time)%s%s\n", summary->done, args.certs,
              summary->failed, args.concurrency, problems.empty() ? "" : "; audit: ",
              problems.empty() ? "" : problems.front().c_str());
  std::printf("end to end:              %.2f certificates/s in %.1f s\n", done / seconds, seconds);
  std::printf("throttle floor:          %.0f s for %d API calls (95 per 5 s, 950 per 5 min): %.2f of the floor\n", floor_s,
              args.certs, floor_s > 0 ? floor_s / seconds : 1.0);
  std::printf("API calls per cert:      %.2f (sandbox count %d; floor 1: one POST), %d orders placed, %d answered 429\n",
              done ? api_calls / done : 0.0, api_calls, orders, after.value("rate_limited", 0));
  std::printf("ledger writes per cert:  %.2f (%lld fsynced transactions; ledger %.0f KiB)\n",
              done ? static_cast<double>(writes) / done : 0.0, static_cast<long long>(writes), db_kb);
  std::printf("peak RSS:                %.1f MiB\n", peak_rss_mb);
  const nlohmann::json last = {{"certs", args.certs},
                               {"done", summary->done},
                               {"failed", summary->failed},
                               {"concurrency", args.concurrency},
                               {"seconds", rounded(seconds)},
                               {"certs_per_s", rounded(done / seconds)},
                               {"throttle_floor_s", floor_s},
                               {"of_floor", rounded(floor_s > 0 ? floor_s / seconds : 1.0)},
                               {"api_calls_per_cert", rounded(done ? api_calls / done : 0.0)},
                               {"orders_placed", orders},
                               {"rate_limited", after.value("rate_limited", 0)},
                               {"ledger_writes_per_cert", rounded(done ? static_cast<double>(writes) / done : 0.0)},
                               {"ledger_kib", std::round(db_kb)},
                               {"peak_rss_mb", rounded(peak_rss_mb)},
                               {"audit_problems", problems.size()}};
  std::printf("%s\n", last.dump().c_str());
  return summary->done == static_cast<std::size_t>(args.certs) && problems.empty() && orders == args.certs ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return bench_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_run: %s\n", e.what());
    return 1;
  }
}
