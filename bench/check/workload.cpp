// The names, the servers that answer for them, and one timed run_check_batch over them.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "bench_check.hpp"
#include "support/dnssec_zone.hpp"

namespace bench_check {
namespace {

using dcvkit::test::DnsServer;
using dcvkit::test::DnsServerConfig;

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t from = 0; from <= dirs.size();) {
    std::size_t colon = dirs.find(':', from);
    if (colon == std::string::npos) colon = dirs.size();
    const std::string candidate = dirs.substr(from, colon - from) + "/" + program;
    if (colon > from && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    from = colon + 1;
  }
  return "";
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

bool has_interface_address(const std::string& address) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return false;
  bool found = false;
  for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof text);
    found = address == text;
  }
  ::freeifaddrs(list);
  return found;
}

}  // namespace

void die(const std::string& why) { throw std::runtime_error(why); }

double seconds_since(SteadyClock::time_point t) { return std::chrono::duration<double>(SteadyClock::now() - t).count(); }

double cpu_seconds(int who) {
  rusage ru{};
  ::getrusage(who, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

const std::string& wrk_program() {
  static const std::string p = find_on_path("wrk");
  return p;
}

const std::string& dnsperf_program() {
  static const std::string p = find_on_path("dnsperf");
  return p;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::string host_name(std::size_t i) { return fmt("h%05zu", i); }

// BIND listens only on interface addresses, and lo usually carries just 127.0.0.1, while the
// probe needs ns1 and ns2 on one port at two addresses. Rather than relaying (a relay thread in
// this process would cost CPU that is not the probe's), this process and every server it starts
// move to a private network namespace whose lo also carries 127.0.0.2 and 127.0.0.3. Nothing
// outside changes; the namespace goes away with the processes.
std::string loopback_world() {
  if (has_interface_address("127.0.0.2") && has_interface_address("127.0.0.3")) return "on lo already";
  if (::unshare(CLONE_NEWNET) != 0)
    die(std::string("127.0.0.2/.3 are not on lo and no private network namespace (") + std::strerror(errno) +
        "): run as root, or add them: ip addr add 127.0.0.2/32 dev lo; ip addr add 127.0.0.3/32 dev lo");
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ifreq lo{};
  std::strcpy(lo.ifr_name, "lo");
  bool ok = fd >= 0 && ::ioctl(fd, SIOCGIFFLAGS, &lo) == 0;
  lo.ifr_flags = static_cast<short>(lo.ifr_flags | IFF_UP | IFF_RUNNING);
  ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &lo) == 0;  // up: the kernel gives it 127.0.0.1/8
  for (const char* label : {"lo:2", "lo:3"}) {
    ifreq a{};
    std::strcpy(a.ifr_name, label);
    auto* in = reinterpret_cast<sockaddr_in*>(&a.ifr_addr);
    in->sin_family = AF_INET;
    ::inet_pton(AF_INET, label[3] == '2' ? "127.0.0.2" : "127.0.0.3", &in->sin_addr);
    ok = ok && ::ioctl(fd, SIOCSIFADDR, &a) == 0;
    ::inet_pton(AF_INET, "255.255.255.255", &in->sin_addr);
    ok = ok && ::ioctl(fd, SIOCSIFNETMASK, &a) == 0;
  }
  if (fd >= 0) ::close(fd);
  if (!ok || !has_interface_address("127.0.0.2")) die(std::string("cannot set up lo in the namespace: ") + std::strerror(errno));
  return "private network namespace, lo with 127.0.0.1-3";
}

World::World(const Options& options, const std::string& token) {
  const auto start = SteadyClock::now();
  const std::size_t n = options.names;
  {
    // The names' records go to a file the zones $INCLUDE: written as they are made, never held
    // (by this process, three times over) as zone text.
    const std::string records = work.file("names.zone");
    {
      std::ofstream out(records);
      for (std::size_t i = 0; i < n; ++i)
        out << host_name(i) << " IN A 127.0.0.1\n_dnsauth." << host_name(i) << " IN TXT \"" << token << "\"\n";
      if (!out) die("cannot write " + records);
    }
    // The zone, signed as a whole when DNSSEC runs; served from one file by all three servers.
    const std::string zone_file = work.write(std::string(kZone) + ".zone",
                                             "$TTL 60\n@ IN SOA ns1 hostmaster 1 60 60 600 60\n@ IN NS ns1\n@ IN NS ns2\n"
                                             "ns1 IN A 127.0.0.2\nns2 IN A 127.0.0.3\n$INCLUDE " + records + "\n");
    dcvkit::test::DnsZoneConfig bench;
    bench.zone = kZone;
    std::string served = zone_file;
    if (options.dnssec) {
      const auto z = dcvkit::test::sign_zone_file(work.path().string(), kZone, zone_file);
      served = z.file;
      trust_anchor = z.key_file;
    }
    bench.file_text = "$INCLUDE " + served + "\n";
    DnsServerConfig c;
    c.zone = "test";  // the TLD, empty: where the CAA climb ends
    c.extra_zones = {bench};
    const std::uint16_t ns_port = dcvkit::test::free_port_on({"127.0.0.2", "127.0.0.3"});
    c.addresses = {"127.0.0.1"};
    c.port = dcvkit::test::free_port_on({"127.0.0.1"});
    c.statistics_port = dcvkit::test::free_port_on({"127.0.0.1"});
    resolver = std::make_unique<DnsServer>(c);
    c.port = ns_port;
    c.addresses = {"127.0.0.2"};
    c.statistics_port = dcvkit::test::free_port_on({"127.0.0.2"});
    ns1 = std::make_unique<DnsServer>(c);
    c.addresses = {"127.0.0.3"};
    c.statistics_port = dcvkit::test::free_port_on({"127.0.0.3"});
    ns2 = std::make_unique<DnsServer>(c);
  }
  if (options.http()) {
    // Full TLS handshakes on every connection, as the probe's connections to different names are:
    // wrk would otherwise resume its sessions (it keeps them across reconnects) and measure a
    // cheaper handshake than the probe ever gets.
    nginx = std::make_unique<dcvkit::test::NginxServer>(dcvkit::test::NginxOptions{options.nginx_resumption});
    // One webroot, reached through a per-host symlink (the config serves www/$host): the same file
    // per name as 10,000 copies would be, without creating 10,000 directory trees.
    nginx->put_token_file("_bench_webroot", token + "\n");
    for (std::size_t i = 0; i < n; ++i) {
      std::error_code ec;
      std::filesystem::create_directory_symlink("_bench_webroot", nginx->dir() + "/www/" + bench_name(i), ec);
      if (ec) die("cannot link the webroot of " + bench_name(i) + ": " + ec.message());
    }
  }
  setup_s = seconds_since(start);
}

BatchRun run_batch(const dcvkit::CheckBatchOptions& options, std::size_t n, dcvkit::DcvMethod method,
                   const std::shared_ptr<const dcvkit::TokenExpectation>& expected) {
  BatchRun out;
  out.names = n;
  std::vector<double> latency;
  latency.reserve(n);
  std::size_t next_index = 0;
  const double cpu_start = cpu_seconds(RUSAGE_SELF);
  const auto start = SteadyClock::now();
  const dcvkit::Status st = dcvkit::run_check_batch(
      options,
      [&]() -> std::optional<dcvkit::CheckRequest> {
        if (next_index == n) return std::nullopt;
        return dcvkit::CheckRequest{bench_name(next_index++), method, expected};
      },
      [&](dcvkit::CheckResult r) {
        latency.push_back(r.elapsed_ms);
        if (r.url.rfind("https://", 0) == 0) ++out.https_decided;
        if (!r.ok) {
          ++out.failures;
          if (out.first_failures.size() < 5) out.first_failures.push_back(r.name + ": " + r.code + " " + r.message);
        }
      });
  out.seconds = seconds_since(start);
  out.cpu_s = cpu_seconds(RUSAGE_SELF) - cpu_start;
  if (!st) die("run_check_batch: " + st.error().message);
  if (latency.size() != n)
    die("run_check_batch returned " + std::to_string(latency.size()) + " results for " + std::to_string(n) + " names");
  out.names_per_s = static_cast<double>(n) / out.seconds;
  out.p50_ms = percentile(latency, 0.50);
  out.p99_ms = percentile(latency, 0.99);
  out.max_ms = *std::max_element(latency.begin(), latency.end());
  return out;
}

}  // namespace bench_check
