// bench_check: batch pre-validation (run_check_batch) against the servers' own limit, measured in
// the same run. Starts its own world on loopback (tests/support fixtures), in a private network
// namespace when lo lacks 127.0.0.2/.3 (BIND listens only on interface addresses):
//   DNS   resolver 127.0.0.1:R, ns1 127.0.0.2:P, ns2 127.0.0.3:P — BIND, zone bench.test with N names
//         (hNNNNN A + _dnsauth.hNNNNN TXT <token>) written straight into the zone file, signed with
//         dnssec-signzone (its key is the run's trust anchor), the same zone on all three, and the
//         empty TLD test; BIND's statistics channels count the queries each server received.
//         CAA and DNSSEC are on, as in `dcvkit check` (--no-caa, --no-dnssec to compare).
//   HTTP  nginx (TLS + plain, 1 worker), www/<host> for every name a symlink to one webroot whose
//         fileauth.txt holds <token>; TLS session resumption off (see http_limit.cpp).
// Then, for each method: run_check_batch over the N names (all must pass), and the limit of the
// same servers for the same requests:
//   DNS   a dnsperf-style closed-loop load (dnsperf itself when installed, else the built-in
//         equivalent in dns_limit.cpp) replaying exactly the probe's query mix — CNAME (RD) for both
//         owners at the resolver, TXT (no RD) for both owners at ns1 and at ns2, and at the resolver
//         the validator's and the CAA lookups: TXT at _dnsauth.<name> and CAA at <name>, RD, with
//         the DO bit (without DNSSEC: CAA at <name>, no DO) — against all three servers at once, as
//         the run loads them. The ratio compares queries answered per second.
//   HTTP  wrk with "Connection: close" (a new connection, full TLS handshake included, per request)
//         rotating Host over the same names, on the port(s) the run used.
// Usage: bench_check [--names N] [--quick] [--rounds R] [--concurrency C] [--seconds S] [--only dns|http]
//                    [--dns-in-flight Q] [--dns-limit-tool auto|builtin|dnsperf] [--wrk-threads T] [--nginx-resumption]
//                    [--http-loops L] [--memory] [--no-caa] [--no-dnssec]
//   --quick: 2,000 names and 2 s limits. Each of the R rounds (default 3) runs the batch and then the
//   limit; the best of each side is reported, with the median of the per-round ratios.
//   --memory: one DNS batch of 100,000 names (or --names), no limits: the peak RSS of the batch
//   itself (the high-water mark is reset after setup) and of the whole process (memory.cpp).
// Last line: {"dns_names_per_s","dns_limit_qps","dns_ratio","http_names_per_s","http_limit_rps",
//             "dns_queries_per_name","http_ratio","peak_rss_mb",...}
//
// Files: main.cpp (options, the rounds), workload.cpp (names, servers, one batch run),
// dns_limit.cpp (BIND's counters, dnsperf and the built-in closed loop), http_limit.cpp (wrk),
// memory.cpp (RSS and heap figures, the --memory run), report.cpp (table and JSON line).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dcvkit/check_batch.hpp"
#include "support/dns_server.hpp"
#include "support/nginx_server.hpp"
#include "support/temp_dir.hpp"

namespace bench_check {

using SteadyClock = std::chrono::steady_clock;

inline constexpr const char* kZone = "bench.test";
inline constexpr std::uint16_t kTypeCname = 5, kTypeTxt = 16, kTypeCaa = 257;
inline constexpr int kEdnsPayload = 1232;  // what the probe's c-ares channels advertise

struct Options {
  std::size_t names = 10000, concurrency = 200, dns_window = 100;
  std::size_t dns_in_flight = dcvkit::DnsProbeOptions{}.max_in_flight;  // queries in flight (the probe's default)
  std::size_t http_loops = 0;    // the batch's HTTP event loops (0: its default, one per hardware thread)
  double limit_seconds = 3;
  std::string dns_tool = "auto";
  std::string only;              // "dns" or "http": profiling one half
  int wrk_threads = 2, rounds = 3;
  bool nginx_resumption = false;  // nginx's default TLS session tickets (for comparison only)
  bool memory = false;            // --memory: the RSS run
  bool use_dnsperf = false;       // resolved from dns_tool
  bool caa = true, dnssec = true;  // as `dcvkit check` does by default
  bool dns() const { return only != "http"; }
  bool http() const { return only != "dns" && !memory; }
};
// Options from argv; nullopt (after printing the usage) when they make no sense.
std::optional<Options> parse_options(int argc, char** argv);

// ---- small helpers (workload.cpp) ------------------------------------------------------------------

// Thrown, not exit(): the servers' destructors must run (stop named and nginx, remove their dirs).
[[noreturn]] void die(const std::string& why);
double seconds_since(SteadyClock::time_point t);
// This process's (RUSAGE_SELF) or its children's (RUSAGE_CHILDREN) CPU time, user + system.
double cpu_seconds(int who);
// A load generator on PATH ("" when missing).
const std::string& wrk_program();
const std::string& dnsperf_program();
double median(std::vector<double> v);

template <class... Args>
std::string fmt(const char* format, Args... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

// ---- the workload (workload.cpp) -------------------------------------------------------------------

std::string host_name(std::size_t i);                             // "h00042"
inline std::string bench_name(std::size_t i) { return host_name(i) + "." + kZone; }

// BIND listens only on interface addresses: moves this process into a private network namespace
// whose lo carries 127.0.0.2/.3 when the real lo lacks them. Returns how the addresses exist.
std::string loopback_world();

// The servers: three BIND (resolver, ns1, ns2) with the bench zone, and nginx when HTTP runs.
struct World {
  World(const Options& options, const std::string& token);
  dcvkit::test::TempDir work;  // the zone's records, dnsperf's query files, wrk's script
  std::unique_ptr<dcvkit::test::DnsServer> resolver, ns1, ns2;
  std::unique_ptr<dcvkit::test::NginxServer> nginx;
  std::string trust_anchor;  // the bench zone's key (DNSKEY), when signed
  double setup_s = 0;
};

struct BatchRun {
  std::size_t names = 0, failures = 0;
  double cpu_s = 0;  // this process's CPU time (user + system, all threads) during the run
  double seconds = 0, names_per_s = 0, p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::size_t https_decided = 0;  // HTTP: results decided by the https URL (one request when ok)
  std::vector<std::string> first_failures;
};

// run_check_batch over names 0..n-1 (bench_name), made as they are read: the input is not held.
BatchRun run_batch(const dcvkit::CheckBatchOptions& options, std::size_t n, dcvkit::DcvMethod method,
                   const std::shared_ptr<const dcvkit::TokenExpectation>& expected);

// ---- memory (memory.cpp) --------------------------------------------------------------------------

double heap_in_use_mb();   // bytes malloc handed out and did not get back (all arenas)
double rss_now_mb();       // resident set size now
double peak_rss_mb();      // the high-water mark since start or the last reset_peak_rss()
double process_peak_rss_mb();  // the whole process's peak (getrusage), never reset
void reset_peak_rss();     // /proc/self/clear_refs "5"
// --memory: one DNS batch of options.names names, reporting its RSS; returns the exit code.
int run_memory(const Options& options, const World& world, const dcvkit::CheckBatchOptions& dns_options,
               const std::shared_ptr<const dcvkit::TokenExpectation>& expected, double setup_rss_mb);

// ---- DNS limit (dns_limit.cpp) -----------------------------------------------------------------------

struct DnsTarget {
  std::string label;  // "resolver"
  std::string address;
  std::uint16_t port = 0;
  std::uint16_t qtype = kTypeTxt;  // at _dnsauth.<name>; 0: not asked there
  bool rd = false;
  std::uint16_t base_qtype = 0;    // at <name>; 0: the same as qtype
  bool dnssec_ok = false;          // the DO bit, as the validator sets it
  std::uint16_t type_at(bool base) const { return base ? (base_qtype ? base_qtype : qtype) : qtype; }
  std::string describe() const;    // "TXT/CAA, RD, DO"
};

struct LoadResult {
  std::uint64_t sent = 0, answered = 0, lost = 0, not_noerror = 0;
  double seconds = 0;
  double qps() const { return seconds > 0 ? static_cast<double>(answered) / seconds : 0; }
};
double sum_qps(const std::vector<LoadResult>& v);

// Queries (opcode QUERY) the server has received so far: counted by BIND, not by us.
std::uint64_t queries_received(const dcvkit::test::DnsServer& server);

// The probe's query mix, replayed against the servers: each alone, or all at once.
class DnsLoad {
 public:
  DnsLoad(std::vector<DnsTarget> targets, std::size_t names, std::size_t window, bool use_dnsperf,
          const std::string& work_dir);
  const std::vector<DnsTarget>& targets() const { return targets_; }
  std::string tool() const;
  LoadResult alone(std::size_t i, double seconds) const;
  std::vector<LoadResult> together(double seconds) const;

 private:
  std::vector<DnsTarget> targets_;
  std::size_t window_;
  bool use_dnsperf_;
  std::vector<std::vector<std::vector<unsigned char>>> wire_;
  std::vector<std::string> data_files_;
};

// ---- what validation adds (verify_limit.cpp) ---------------------------------------------------------

// ECDSA P-256 signature checks per second on one core (OpenSSL, key made once), over `seconds`.
double ecdsa_p256_verifies_per_s(double seconds);

// ---- HTTP limit (http_limit.cpp) ---------------------------------------------------------------------

struct WrkResult {
  double rps = 0, cpu_s = 0;  // cpu_s: wrk's CPU time (user + system)
  std::uint64_t requests = 0, non_2xx = 0, socket_errors = 0;
  int threads = 0, connections = 0;
  std::string scheme;
};
// The lua script that makes wrk rotate Host over the n bench names, one connection per request.
std::string write_wrk_script(const std::string& dir, std::size_t n);
WrkResult wrk(const std::string& scheme, std::uint16_t port, int threads, int connections, double seconds,
              const std::string& script);
// Lines in a file, read in chunks (the access log grows by every request of every round).
std::size_t count_lines(const std::string& path);

// ---- the two sides and the report (main.cpp, report.cpp) -----------------------------------------------

struct DnsSide {
  BatchRun best;  // the best round
  std::vector<std::uint64_t> received;         // per server (resolver, ns1, ns2), all rounds
  std::vector<LoadResult> together, alone;     // the best round's; each server alone (once)
  std::vector<DnsTarget> targets;
  std::vector<double> round_ratios;
  double queries_per_name = 0, limit = 0, load_cpu_us_per_query = 0, ratio = 0;
  // DNSSEC on: signature checks each name needs (its TXT set, the NSEC denying CAA at it), the raw
  // rate of one core, and the limit of doing the servers' work and those checks on the same cores.
  double signature_checks_per_name = 0, verifies_per_s_core = 0, limit_with_checks = 0, ratio_with_checks = 0;
  std::string tool;
};

struct HttpSide {
  BatchRun best;
  std::vector<double> round_ratios;
  std::vector<WrkResult> wrk_runs;
  double requests_per_name = 0, limit = 0, ratio = 0;
  std::size_t loops = 0;
};

struct Report {
  const Options* options = nullptr;
  std::string load_average, loopback;
  double setup_s = 0, setup_rss_mb = 0, peak_rss_mb = 0;
  std::vector<std::string> round_lines;
  DnsSide dns;
  HttpSide http;
};
// The table, the per-round lines, the limits and the JSON line; returns the exit code.
int print_report(const Report& r);

}  // namespace bench_check
