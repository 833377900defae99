// What bench_check prints: the table of batch runs, the rounds, the limits and, last, the JSON line.
#include <thread>

#include "bench_check.hpp"

namespace bench_check {

int print_report(const Report& r) {
  const Options& o = *r.options;
  const DnsSide& dns = r.dns;
  const HttpSide& http = r.http;
  const std::size_t n = o.names, rounds = static_cast<std::size_t>(o.rounds);
  auto per_name = [&](std::uint64_t q) { return static_cast<double>(q) / static_cast<double>(n * rounds); };
  std::printf("bench_check: %zu names x %d rounds (best of), concurrency %zu, %u CPUs (load average at start %s),\n"
              "             %s up in %.1f s, %s\n",
              n, o.rounds, o.concurrency, std::thread::hardware_concurrency(), r.load_average.c_str(),
              o.http() ? "3 BIND + nginx (1 worker)" : "3 BIND", r.setup_s, r.loopback.c_str());
  // CPU per request: this process's CPU time over the run (all its threads) per query or request sent.
  std::printf("%-18s %9s %11s %8s %8s %8s %7s %11s %9s\n", "run_check_batch", "names/s", "requests/s", "p50 ms", "p99 ms",
              "max ms", "failed", "CPU us/req", "CPU cores");
  auto row = [&](const char* label, const BatchRun& b, double requests_per_name) {
    std::printf("%-18s %9.0f %11.0f %8.2f %8.2f %8.2f %7zu %11.1f %9.2f\n", label, b.names_per_s,
                b.names_per_s * requests_per_name, b.p50_ms, b.p99_ms, b.max_ms, b.failures,
                b.cpu_s * 1e6 / (static_cast<double>(n) * requests_per_name), b.cpu_s / b.seconds);
  };
  if (o.dns()) row("DNS  (dns only)", dns.best, dns.queries_per_name);
  if (o.http()) row("HTTP (http only)", http.best, http.requests_per_name);
  for (const auto* side : {&dns.best, &http.best})
    for (const auto& f : side->first_failures) std::printf("  FAILED %s\n", f.c_str());
  for (const auto& line : r.round_lines) std::printf("%s\n", line.c_str());
  if (o.dns()) {
    std::printf("DNS queries per name, counted by BIND (statistics channel, opcode QUERY): %.3f = resolver %.3f + ns1 %.3f + ns2 %.3f\n",
                dns.queries_per_name, per_name(dns.received[0]), per_name(dns.received[1]), per_name(dns.received[2]));
    std::printf("DNS limit: %s, %zu outstanding per server, %.0f s, each server gets the probe's queries for it\n",
                dns.tool.c_str(), o.dns_window, o.limit_seconds);
    std::printf("  %-26s %14s %14s %8s %9s\n", "server (queries)", "alone q/s", "all at once q/s", "lost", "!NOERROR");
    for (std::size_t i = 0; i < dns.targets.size(); ++i)
      std::printf("  %-26s %14.0f %14.0f %8llu %9llu\n",
                  (dns.targets[i].label + " (" + dns.targets[i].describe() + ")").c_str(),
                  dns.alone[i].qps(), dns.together[i].qps(), static_cast<unsigned long long>(dns.alone[i].lost + dns.together[i].lost),
                  static_cast<unsigned long long>(dns.alone[i].not_noerror + dns.together[i].not_noerror));
    std::printf("  %-26s %14.0f %14.0f   <- the limit: all at once, as the run loads them\n", "sum", sum_qps(dns.alone), dns.limit);
    std::printf("  load generator CPU: %.1f us per query (the probe: %.1f)\n", dns.load_cpu_us_per_query,
                dns.best.cpu_s * 1e6 / (static_cast<double>(n) * dns.queries_per_name));
    std::printf("dns_ratio  = %.0f names/s x %.3f q/name / %.0f q/s = %.3f (median of rounds %.3f; target >= 0.5)\n",
                dns.best.names_per_s, dns.queries_per_name, dns.limit, dns.ratio, median(dns.round_ratios));
    if (dns.verifies_per_s_core > 0) {
      std::printf("DNSSEC: %.0f signature checks per name (the TXT set, the NSEC denying CAA), which the servers' limit never pays;\n"
                  "  ECDSA P-256 raw here: %.0f verifies/s on one core (OpenSSL EVP_DigestVerify, key made once)\n",
                  dns.signature_checks_per_name, dns.verifies_per_s_core);
      std::printf("dns_ratio_with_checks = %.0f names/s / %.0f names/s (the servers' work and the checks on the same %u cores) = %.3f\n",
                  dns.best.names_per_s, dns.limit_with_checks, std::thread::hardware_concurrency(), dns.ratio_with_checks);
    }
  }
  if (o.http()) {
    std::printf("HTTP requests per name, counted by nginx (access log): %.3f; decided by the https URL: %zu of %zu; "
                "%zu event loops\n",
                http.requests_per_name, http.best.https_decided, n, http.loops);
    std::printf("HTTP limit: wrk, Connection: close, Host rotating over the %zu names, %.0f s, TLS session resumption %s\n", n,
                o.limit_seconds, o.nginx_resumption ? "ON (nginx default; the probe never resumes)" : "off (full handshakes)");
    for (const auto& w : http.wrk_runs)
      std::printf("  %-5s -t %d -c %-4d %8.0f req/s, wrk CPU %6.1f us/req  (%llu requests, non-2xx %llu, socket errors %llu)\n",
                  w.scheme.c_str(), w.threads, w.connections, w.rps,
                  w.requests ? w.cpu_s * 1e6 / static_cast<double>(w.requests) : 0.0, static_cast<unsigned long long>(w.requests),
                  static_cast<unsigned long long>(w.non_2xx), static_cast<unsigned long long>(w.socket_errors));
    std::printf("http_ratio = %.0f names/s x %.3f req/name / %.0f req/s = %.3f (median of rounds %.3f; target >= 0.5)\n",
                http.best.names_per_s, http.requests_per_name, http.limit, http.ratio, median(http.round_ratios));
  }
  const bool valid = dns.best.failures == 0 && http.best.failures == 0;
  std::printf("peak RSS %.1f MB (target < 100; %.1f MB of it before the first run: names, zone text, libraries)%s\n",
              r.peak_rss_mb, r.setup_rss_mb, valid ? "" : "   RUN INVALID: some names failed");
  std::printf(
      "{\"dns_names_per_s\": %.0f, \"dns_limit_qps\": %.0f, \"dns_ratio\": %.3f, \"http_names_per_s\": %.0f, "
      "\"http_limit_rps\": %.0f, \"dns_queries_per_name\": %.3f, \"http_ratio\": %.3f, \"peak_rss_mb\": %.1f, "
      "\"names\": %zu, \"rounds\": %d, \"valid\": %s, \"dns_failures\": %zu, \"http_failures\": %zu, "
      "\"dns_p50_ms\": %.2f, \"dns_p99_ms\": %.2f, \"http_p50_ms\": %.2f, \"http_p99_ms\": %.2f, "
      "\"http_requests_per_name\": %.3f, \"dns_ratio_median\": %.3f, \"http_ratio_median\": %.3f, "
      "\"dns_limit_qps_alone_sum\": %.0f, \"dns_limit_tool\": \"%s\", \"tls_resumption\": %s, \"setup_rss_mb\": %.1f, "
      "\"http_loops\": %zu, \"dns_signature_checks_per_name\": %.0f, \"dns_verifies_per_s_core\": %.0f, "
      "\"dns_ratio_with_checks\": %.3f}\n",
      dns.best.names_per_s, dns.limit, dns.ratio, http.best.names_per_s, http.limit, dns.queries_per_name, http.ratio,
      r.peak_rss_mb, n, o.rounds, valid ? "true" : "false", dns.best.failures, http.best.failures, dns.best.p50_ms,
      dns.best.p99_ms, http.best.p50_ms, http.best.p99_ms, http.requests_per_name, median(dns.round_ratios),
      median(http.round_ratios), sum_qps(dns.alone), o.use_dnsperf ? "dnsperf" : "builtin",
      o.nginx_resumption ? "true" : "false", r.setup_rss_mb, http.loops, dns.signature_checks_per_name,
      dns.verifies_per_s_core, dns.ratio_with_checks);
  return valid ? 0 : 1;
}

}  // namespace bench_check
