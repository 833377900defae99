// bench_check's options and its rounds: each round runs the batch, then the servers' limit right
// after it, so both see the same machine (others share these cores). Reported: the best of the
// rounds for each side (as bench_token does), and the median of the per-round ratios.
// What is measured and how: see bench_check.hpp.
#include <curl/curl.h>
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "bench_check.hpp"
#include "dcvkit/token.hpp"

namespace bench_check {
namespace {

using dcvkit::CheckBatchOptions;
using dcvkit::DcvMethod;
using Expected = std::shared_ptr<const dcvkit::TokenExpectation>;

DnsSide run_dns_side(const Options& o, const World& world, const CheckBatchOptions& options, const Expected& expected,
                     std::vector<std::string>& round_lines) {
  DnsSide side;
  const std::size_t n = o.names;
  const std::vector<const dcvkit::test::DnsServer*> servers = {world.resolver.get(), world.ns1.get(), world.ns2.get()};
  // With DNSSEC the authoritative servers are asked with DO (their TXT answers carry the RRSIGs
  // checked against the zone's keys), and so is the resolver for CAA (a denial carries its NSEC).
  side.targets = {{"resolver", world.resolver->address(), world.resolver->port(), kTypeCname, true},
                  {"ns1", world.ns1->address(), world.ns1->port(), kTypeTxt, false, 0, o.dnssec},
                  {"ns2", world.ns2->address(), world.ns2->port(), kTypeTxt, false, 0, o.dnssec}};
  // The CAA at <name>, from the resolver (the climb's parents, and each zone's DNSKEY through the
  // validator, are asked once per batch: not in the mix).
  if (o.caa)
    side.targets.push_back({"resolver-caa", world.resolver->address(), world.resolver->port(), 0, true, kTypeCaa, o.dnssec});
  const DnsLoad load(side.targets, n, o.dns_window, o.use_dnsperf, world.work.path().string());
  side.tool = load.tool();
  side.received.assign(servers.size(), 0);
  std::size_t failures = 0;
  for (int round = 0; round < o.rounds; ++round) {
    ::malloc_trim(0);  // each round from a clean heap: peak RSS is one batch's, not rounds' leftovers
    std::vector<std::uint64_t> before;
    for (const auto* s : servers) before.push_back(queries_received(*s));
    BatchRun r = run_batch(options, n, DcvMethod::Dns, expected);
    for (std::size_t i = 0; i < servers.size(); ++i) side.received[i] += queries_received(*servers[i]) - before[i];
    failures += r.failures;
    const double load_cpu_start = cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN);
    auto t = load.together(o.limit_seconds);
    const double load_cpu = cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN) - load_cpu_start;
    const double per_name = static_cast<double>(side.received[0] + side.received[1] + side.received[2]) /
                            static_cast<double>(n * static_cast<std::size_t>(round + 1));
    side.round_ratios.push_back(r.names_per_s * per_name / sum_qps(t));
    round_lines.push_back(fmt("  DNS  round %d: %8.0f names/s, limit %8.0f q/s, ratio %.3f, RSS now %.1f MB (heap in use %.1f MB)",
                              round + 1, r.names_per_s, sum_qps(t), side.round_ratios.back(), rss_now_mb(), heap_in_use_mb()));
    if (sum_qps(t) > side.limit) {
      side.limit = sum_qps(t);
      side.together = t;
      side.load_cpu_us_per_query = load_cpu * 1e6 / (side.limit * o.limit_seconds);
    }
    if (r.names_per_s > side.best.names_per_s) side.best = std::move(r);
  }
  side.best.failures = failures;
  for (std::size_t i = 0; i < side.targets.size(); ++i) side.alone.push_back(load.alone(i, o.limit_seconds));
  side.queries_per_name = static_cast<double>(side.received[0] + side.received[1] + side.received[2]) /
                          static_cast<double>(n * static_cast<std::size_t>(o.rounds));
  side.ratio = side.limit > 0 ? side.best.names_per_s * side.queries_per_name / side.limit : 0;
  if (o.dnssec) {
    // Every name of the bench zone: one signed TXT set, one NSEC proving it has no CAA.
    side.signature_checks_per_name = o.caa ? 2 : 1;
    side.verifies_per_s_core = ecdsa_p256_verifies_per_s(1.0);
    const double cores = std::max(1u, std::thread::hardware_concurrency());
    const double seconds_per_name = side.queries_per_name / side.limit +
                                    side.signature_checks_per_name / (side.verifies_per_s_core * cores);
    side.limit_with_checks = 1 / seconds_per_name;
    side.ratio_with_checks = side.best.names_per_s / side.limit_with_checks;
  }
  return side;
}

HttpSide run_http_side(const Options& o, const World& world, CheckBatchOptions options, const Expected& expected,
                       std::vector<std::string>& round_lines) {
  HttpSide side;
  const std::size_t n = o.names;
  const dcvkit::test::NginxServer& nginx = *world.nginx;
  options.http.connect_address = "127.0.0.1";
  options.http.http_port = nginx.http_port();
  options.http.https_port = nginx.https_port();
  options.http.max_in_flight = o.concurrency;
  options.http_loops = o.http_loops;
  side.loops = o.http_loops ? o.http_loops : std::max(1u, std::thread::hardware_concurrency());
  const std::string script = write_wrk_script(world.work.path().string(), n);
  std::size_t failures = 0, requests_total = 0;
  for (int round = 0; round < o.rounds; ++round) {
    ::malloc_trim(0);
    const std::size_t log_before = count_lines(nginx.dir() + "/access.log");
    BatchRun r = run_batch(options, n, DcvMethod::Http, expected);
    const std::size_t requests = count_lines(nginx.dir() + "/access.log") - log_before;
    requests_total += requests;
    failures += r.failures;
    // wrk on the port(s) the run used, at two connection counts (the best counts). The run's
    // limit is its mix's: time per request weighted by the share of https and http requests.
    // Every name starts with one https request (no redirects here); requests beyond one per
    // name went to the http port (the probe's second attempt, when https was not accepted).
    auto best_wrk = [&](const std::string& scheme, std::uint16_t port) {
      double best = 0;
      for (int c : {50, static_cast<int>(o.concurrency)}) {
        side.wrk_runs.push_back(wrk(scheme, port, o.wrk_threads, c, o.limit_seconds, script));
        if (side.wrk_runs.back().non_2xx + side.wrk_runs.back().socket_errors == 0)
          best = std::max(best, side.wrk_runs.back().rps);
      }
      return best;
    };
    const double https_share = std::min(1.0, static_cast<double>(n) / std::max(1.0, static_cast<double>(requests)));
    double limit = best_wrk("https", nginx.https_port());
    if (https_share < 1.0) limit = 1.0 / (https_share / limit + (1.0 - https_share) / best_wrk("http", nginx.http_port()));
    side.round_ratios.push_back(r.names_per_s * static_cast<double>(requests) / static_cast<double>(n) / limit);
    round_lines.push_back(fmt("  HTTP round %d: %8.0f names/s, limit %8.0f req/s, ratio %.3f, RSS now %.1f MB (heap in use %.1f MB)",
                              round + 1, r.names_per_s, limit, side.round_ratios.back(), rss_now_mb(), heap_in_use_mb()));
    side.limit = std::max(side.limit, limit);
    if (r.names_per_s > side.best.names_per_s) side.best = std::move(r);
  }
  side.best.failures = failures;
  side.requests_per_name = static_cast<double>(requests_total) / static_cast<double>(n * static_cast<std::size_t>(o.rounds));
  side.ratio = side.limit > 0 ? side.best.names_per_s * side.requests_per_name / side.limit : 0;
  return side;
}

std::string load_average() {
  std::string line;
  std::getline(std::ifstream("/proc/loadavg"), line);
  return line.substr(0, line.find(' ', line.find(' ', line.find(' ') + 1) + 1));
}

int bench_main(int argc, char** argv) {
  auto parsed = parse_options(argc, argv);
  if (!parsed) return 2;
  const Options& o = *parsed;
  const std::string loopback = loopback_world();  // before any thread: they inherit the namespace
  curl_global_init(CURL_GLOBAL_DEFAULT);

  // One token for every name, valid now.
  const dcvkit::UnixSeconds now = dcvkit::system_clock().now();
  auto token = dcvkit::compute_token("bench-AuthKey-0123456789abcdef0123", "bench_check CSR stand-in", now - 3600);
  if (!token) die(token.error().message);
  const Expected expected(dcvkit::TokenExpectation::exact({*token}));

  Report report;
  report.options = &o;
  report.loopback = loopback;
  report.load_average = load_average();
  const World world(o, *token);
  report.setup_s = world.setup_s;
  report.setup_rss_mb = process_peak_rss_mb();

  CheckBatchOptions dns_options;
  dns_options.dns.resolver = dcvkit::HostPort{world.resolver->address(), world.resolver->port()};
  dns_options.dns.ns_port = world.ns1->port();
  dns_options.dns.max_in_flight = o.dns_in_flight;
  dns_options.concurrency = o.concurrency;
  dns_options.caa.enabled = o.caa;
  dns_options.dns.dnssec.enabled = o.dnssec;
  dns_options.dns.dnssec.trust_anchor_file = world.trust_anchor;
  int code = 0;
  if (o.memory) {
    code = run_memory(o, world, dns_options, expected, report.setup_rss_mb);
  } else {
    if (o.dns()) report.dns = run_dns_side(o, world, dns_options, expected, report.round_lines);
    if (o.http()) report.http = run_http_side(o, world, dns_options, expected, report.round_lines);
    report.peak_rss_mb = process_peak_rss_mb();
    code = print_report(report);
  }
  curl_global_cleanup();
  return code;
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  bool names_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--quick") {
      o.names = 2000;
      o.limit_seconds = 2;
    } else if (arg == "--names" && has_value) {
      o.names = std::stoul(argv[++i]);
      names_given = true;
    } else if (arg == "--concurrency" && has_value) {
      o.concurrency = std::stoul(argv[++i]);
    } else if (arg == "--seconds" && has_value) {
      o.limit_seconds = std::stod(argv[++i]);
    } else if (arg == "--rounds" && has_value) {
      o.rounds = std::stoi(argv[++i]);
    } else if (arg == "--dns-in-flight" && has_value) {
      o.dns_in_flight = std::stoul(argv[++i]);
    } else if (arg == "--http-loops" && has_value) {
      o.http_loops = std::stoul(argv[++i]);
    } else if (arg == "--nginx-resumption") {
      o.nginx_resumption = true;
    } else if (arg == "--wrk-threads" && has_value) {
      o.wrk_threads = std::stoi(argv[++i]);
    } else if (arg == "--only" && has_value) {
      o.only = argv[++i];
    } else if (arg == "--dns-limit-tool" && has_value) {
      o.dns_tool = argv[++i];
    } else if (arg == "--memory") {
      o.memory = true;
    } else if (arg == "--no-caa") {
      o.caa = false;
    } else if (arg == "--no-dnssec") {
      o.dnssec = false;
    } else {
      std::fprintf(stderr,
                   "usage: bench_check [--names N] [--quick] [--rounds R] [--concurrency C] [--seconds S] [--only dns|http]\n"
                   "                   [--dns-in-flight Q] [--dns-limit-tool auto|builtin|dnsperf] [--wrk-threads T]\n"
                   "                   [--nginx-resumption] [--http-loops L] [--memory] [--no-caa] [--no-dnssec]\n");
      return std::nullopt;
    }
  }
  if (o.memory) {
    if (!names_given) o.names = 100000;
    o.only = "dns";
    o.rounds = 1;
  }
  if (o.names == 0 || o.concurrency == 0 || o.rounds <= 0) die("--names, --concurrency and --rounds must be positive");
  const bool have_dnsperf = !dnsperf_program().empty();
  if (o.dns_tool == "dnsperf" && !have_dnsperf) die("dnsperf is not installed (tools/install-deps.sh)");
  o.use_dnsperf = o.dns_tool == "dnsperf" || (o.dns_tool == "auto" && have_dnsperf);
  if (o.http() && wrk_program().empty()) die("wrk is not installed (tools/install-deps.sh)");
  return o;
}

}  // namespace bench_check

int main(int argc, char** argv) {
  try {
    return bench_check::bench_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_check: %s\n", e.what());
    return 1;
  }
}
