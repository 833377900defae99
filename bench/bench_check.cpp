// bench_check: batch pre-validation (run_check_batch) against the servers' own limit, measured in
// the same run. Starts its own world on loopback (tests/support fixtures), in a private network
// namespace when lo lacks 127.0.0.2/.3 (BIND listens only on interface addresses):
//   DNS   resolver 127.0.0.1:R, ns1 127.0.0.2:P, ns2 127.0.0.3:P — BIND, zone bench.test with N names
//         (hNNNNN A + _dnsauth.hNNNNN TXT <token>) written straight into the zone files, the same
//         zone on all three; BIND's statistics channels count the queries each server received.
//   HTTP  nginx (TLS + plain, 1 worker), www/<host> for every name a symlink to one webroot whose
//         fileauth.txt holds <token>; TLS session resumption off (see below).
// Then, for each method: run_check_batch over the N names (all must pass), and the limit of the
// same servers for the same requests:
//   DNS   a dnsperf-style closed-loop load (dnsperf itself when installed, else the built-in
//         equivalent below) replaying exactly the probe's query mix — CNAME (RD) for both owners at
//         the resolver, TXT (no RD) for both owners at ns1 and at ns2 — against all three servers
//         at once, as the run loads them. The ratio compares queries answered per second.
//   HTTP  wrk with "Connection: close" (a new connection, full TLS handshake included, per request)
//         rotating Host over the same names, on the port(s) the run used.
// Usage: bench_check [--names N] [--quick] [--rounds R] [--concurrency C] [--seconds S] [--only dns|http]
//                    [--dns-in-flight Q] [--dns-limit-tool auto|builtin|dnsperf] [--wrk-threads T] [--nginx-resumption]
//   --quick: 2,000 names and 2 s limits. Each of the R rounds (default 3) runs the batch and then the
//   limit; the best of each side is reported, with the median of the per-round ratios.
// Last line: {"dns_names_per_s","dns_limit_qps","dns_ratio","http_names_per_s","http_limit_rps",
//             "dns_queries_per_name","http_ratio","peak_rss_mb",...}
#include <arpa/inet.h>
#include <curl/curl.h>
#include <ifaddrs.h>
#include <malloc.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "dcvkit/check.hpp"
#include "dcvkit/check_batch.hpp"
#include "dcvkit/token.hpp"
#include "support/dns_server.hpp"
#include "support/nginx_server.hpp"
#include "support/run.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::DnsServer;
using dcvkit::test::DnsServerConfig;
using dcvkit::test::NginxServer;
using dcvkit::test::run_program;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kZone = "bench.test";
constexpr std::uint16_t kTypeCname = 5, kTypeTxt = 16;
constexpr int kEdnsPayload = 1232;  // what the probe's c-ares channels advertise

// The load generators, found on PATH ("" when missing).
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
const std::string& wrk_program() {
  static const std::string p = find_on_path("wrk");
  return p;
}
const std::string& dnsperf_program() {
  static const std::string p = find_on_path("dnsperf");
  return p;
}

double seconds_since(SteadyClock::time_point t) { return std::chrono::duration<double>(SteadyClock::now() - t).count(); }

std::string host_name(std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "h%05zu", i);
  return buf;
}

template <class... Args>
std::string fmt(const char* format, Args... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

// Thrown, not exit(): the servers' destructors must run (stop named and nginx, remove their dirs).
[[noreturn]] void die(const std::string& why) { throw std::runtime_error(why); }

// ---- measurements of one batch run ------------------------------------------------------------

double cpu_seconds(int who) {
  rusage ru{};
  ::getrusage(who, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct BatchRun {
  std::size_t names = 0, failures = 0;
  double cpu_s = 0;  // this process's CPU time (user + system, all threads) during the run
  double seconds = 0, names_per_s = 0, p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::size_t https_decided = 0;  // HTTP: results decided by the https URL (one request when ok)
  std::vector<std::string> first_failures;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

BatchRun run_batch(const CheckBatchOptions& options, const std::vector<std::string>& names, DcvMethod method,
                   const std::shared_ptr<const TokenExpectation>& expected) {
  BatchRun out;
  out.names = names.size();
  std::vector<double> latency;
  latency.reserve(names.size());
  std::size_t next_index = 0;
  const double cpu_start = cpu_seconds(RUSAGE_SELF);
  const auto start = SteadyClock::now();
  const Status st = run_check_batch(
      options,
      [&]() -> std::optional<CheckRequest> {
        if (next_index == names.size()) return std::nullopt;
        return CheckRequest{names[next_index++], method, expected};
      },
      [&](CheckResult r) {
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
  if (latency.size() != names.size())
    die("run_check_batch returned " + std::to_string(latency.size()) + " results for " + std::to_string(names.size()) + " names");
  out.names_per_s = static_cast<double>(names.size()) / out.seconds;
  out.p50_ms = percentile(latency, 0.50);
  out.p99_ms = percentile(latency, 0.99);
  out.max_ms = *std::max_element(latency.begin(), latency.end());
  return out;
}

// ---- BIND's own query counters (statistics channel) ---------------------------------------------

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// Queries (opcode QUERY) the server has received so far: counted by BIND, not by us.
std::uint64_t queries_received(const DnsServer& server) {
  std::string body;
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, server.statistics_url().c_str());
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, static_cast<void*>(&body));
  const CURLcode rc = curl_easy_perform(c);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) die("statistics channel " + server.statistics_url() + ": " + curl_easy_strerror(rc));
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.contains("opcodes") || !j["opcodes"].contains("QUERY"))
    die("statistics channel " + server.statistics_url() + ": no opcodes.QUERY in the answer");
  return j["opcodes"]["QUERY"].get<std::uint64_t>();
}

// ---- DNS limit: a dnsperf-style closed-loop load generator -----------------------------------------

struct DnsTarget {
  std::string label;  // "resolver"
  std::string address;
  std::uint16_t port = 0;
  std::uint16_t qtype = kTypeTxt;
  bool rd = false;
};

struct LoadResult {
  std::uint64_t sent = 0, answered = 0, lost = 0, not_noerror = 0;
  double seconds = 0;
  double qps() const { return seconds > 0 ? static_cast<double>(answered) / seconds : 0; }
};

// The probe's queries, in wire format (ID left 0): both owners of every name, EDNS like c-ares.
std::vector<std::vector<unsigned char>> wire_queries(const std::vector<std::string>& owners, std::uint16_t qtype, bool rd) {
  std::vector<std::vector<unsigned char>> out;
  out.reserve(owners.size());
  for (const auto& owner : owners) {
    std::vector<unsigned char> q = {0, 0, static_cast<unsigned char>(rd ? 0x01 : 0x00), 0, 0, 1, 0, 0, 0, 0, 0, 1};
    std::size_t from = 0;
    while (from <= owner.size()) {
      std::size_t dot = owner.find('.', from);
      if (dot == std::string::npos) dot = owner.size();
      q.push_back(static_cast<unsigned char>(dot - from));
      q.insert(q.end(), owner.begin() + static_cast<std::ptrdiff_t>(from), owner.begin() + static_cast<std::ptrdiff_t>(dot));
      from = dot + 1;
    }
    q.push_back(0);
    q.insert(q.end(), {static_cast<unsigned char>(qtype >> 8), static_cast<unsigned char>(qtype & 0xff), 0, 1});
    // OPT: root owner, type 41, class = UDP payload size, TTL 0, no options.
    q.insert(q.end(), {0, 0, 41, static_cast<unsigned char>(kEdnsPayload >> 8), static_cast<unsigned char>(kEdnsPayload & 0xff),
                       0, 0, 0, 0, 0, 0});
    out.push_back(std::move(q));
  }
  return out;
}

// One server's share of a closed loop: its socket, its queries, its outstanding IDs.
struct Flow {
  const DnsTarget* target = nullptr;
  const std::vector<std::vector<unsigned char>>* queries = nullptr;
  int fd = -1;
  std::vector<std::int64_t> sent_at = std::vector<std::int64_t>(65536, -1);  // by query ID: ns since start, -1: free
  std::size_t outstanding = 0, next_query = 0;
  std::uint16_t next_id = 0;
  LoadResult result;
};

// Keeps `window` queries outstanding per server (dnsperf's default: 100), each on its own UDP
// socket, replaying each server's queries in order until `deadline`; a query unanswered after 1 s
// counts as lost. One thread for all servers, as the probe has one event loop: under load from
// elsewhere on the machine, both sides then get the same share of it. The generator itself costs
// about a microsecond per query, a tenth of what a server spends answering it.
std::vector<LoadResult> closed_loop(const std::vector<const DnsTarget*>& targets,
                                    const std::vector<const std::vector<std::vector<unsigned char>>*>& queries,
                                    std::size_t window, SteadyClock::time_point start, SteadyClock::time_point deadline) {
  constexpr std::size_t kBatch = 64;
  constexpr std::int64_t kLostAfterNs = 1'000'000'000;
  std::vector<Flow> flows(targets.size());
  std::vector<pollfd> fds;
  for (std::size_t f = 0; f < targets.size(); ++f) {
    Flow& flow = flows[f];
    flow.target = targets[f];
    flow.queries = queries[f];
    flow.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    const int buffer = 1 << 20;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(flow.target->port);
    ::inet_pton(AF_INET, flow.target->address.c_str(), &a.sin_addr);
    if (flow.fd < 0 || ::setsockopt(flow.fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer) != 0 ||
        ::connect(flow.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      die("cannot reach " + flow.target->label);
    fds.push_back(pollfd{flow.fd, POLLIN, 0});
  }
  std::vector<std::vector<unsigned char>> out_buf(kBatch);
  std::vector<std::array<unsigned char, 1500>> in_buf(kBatch);
  std::vector<mmsghdr> msgs(kBatch);
  std::vector<iovec> iovs(kBatch);
  auto now_ns = [&] { return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start).count(); };
  std::this_thread::sleep_until(start);
  std::int64_t last_scan = 0;
  const std::int64_t end_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - start).count();
  for (std::int64_t t = now_ns(); t < end_ns; t = now_ns()) {
    for (Flow& flow : flows) {
      while (flow.outstanding < window) {  // fill the window
        const std::size_t n = std::min(kBatch, window - flow.outstanding);
        for (std::size_t i = 0; i < n; ++i) {
          while (flow.sent_at[flow.next_id] >= 0) ++flow.next_id;
          out_buf[i] = (*flow.queries)[flow.next_query];
          flow.next_query = (flow.next_query + 1) % flow.queries->size();
          out_buf[i][0] = static_cast<unsigned char>(flow.next_id >> 8);
          out_buf[i][1] = static_cast<unsigned char>(flow.next_id & 0xff);
          flow.sent_at[flow.next_id++] = t;
          iovs[i] = {out_buf[i].data(), out_buf[i].size()};
          msgs[i] = {};
          msgs[i].msg_hdr.msg_iov = &iovs[i];
          msgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int sent = ::sendmmsg(flow.fd, msgs.data(), static_cast<unsigned>(n), 0);
        const std::size_t ok = sent > 0 ? static_cast<std::size_t>(sent) : 0;
        for (std::size_t i = ok; i < n; ++i)  // not sent (socket buffer full): free the IDs again
          flow.sent_at[(out_buf[i][0] << 8) | out_buf[i][1]] = -1;
        flow.outstanding += ok;
        flow.result.sent += ok;
        if (ok < n) break;
      }
    }
    for (auto& p : fds) p.revents = 0;
    ::poll(fds.data(), fds.size(), 10);
    for (std::size_t f = 0; f < flows.size(); ++f) {
      if (!(fds[f].revents & POLLIN)) continue;
      Flow& flow = flows[f];
      for (;;) {
        for (std::size_t i = 0; i < kBatch; ++i) {
          iovs[i] = {in_buf[i].data(), in_buf[i].size()};
          msgs[i] = {};
          msgs[i].msg_hdr.msg_iov = &iovs[i];
          msgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int got = ::recvmmsg(flow.fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (got <= 0) break;
        for (int i = 0; i < got; ++i) {
          if (msgs[i].msg_len < 12) continue;
          const unsigned char* m = in_buf[i].data();
          const unsigned id = (m[0] << 8) | m[1];
          if (flow.sent_at[id] < 0) continue;
          flow.sent_at[id] = -1;
          --flow.outstanding;
          ++flow.result.answered;
          if ((m[3] & 0x0f) != 0) ++flow.result.not_noerror;
        }
        if (static_cast<std::size_t>(got) < kBatch) break;
      }
    }
    if (t - last_scan > 100'000'000) {
      last_scan = t;
      for (Flow& flow : flows)
        for (auto& sent : flow.sent_at)
          if (sent >= 0 && t - sent > kLostAfterNs) {
            sent = -1;
            --flow.outstanding;
            ++flow.result.lost;
          }
    }
  }
  std::vector<LoadResult> out;
  for (Flow& flow : flows) {
    flow.result.seconds = std::chrono::duration<double>(deadline - start).count();
    ::close(flow.fd);
    out.push_back(flow.result);
  }
  return out;
}

// dnsperf itself, when installed: same queries (as a data file), same window, same duration.
LoadResult dnsperf(const DnsTarget& target, const std::string& data_file, std::size_t window, double seconds) {
  auto run = run_program({dnsperf_program(), "-s", target.address, "-p", std::to_string(target.port), "-d", data_file, "-l",
                          std::to_string(static_cast<int>(std::lround(seconds))), "-q", std::to_string(window), "-e"});
  auto field = [&](const std::string& label) -> double {
    const auto at = run.out.find(label);
    if (at == std::string::npos) die("dnsperf: no \"" + label + "\" in its output:\n" + run.all());
    return std::strtod(run.out.c_str() + at + label.size(), nullptr);
  };
  LoadResult r;
  r.seconds = field("Run time (s):");
  r.sent = static_cast<std::uint64_t>(field("Queries sent:"));
  r.answered = static_cast<std::uint64_t>(field("Queries completed:"));
  r.lost = static_cast<std::uint64_t>(field("Queries lost:"));
  const double qps = field("Queries per second:");
  if (qps > 0) r.answered = static_cast<std::uint64_t>(std::llround(qps * r.seconds));
  return r;
}

// The probe's query mix, replayed against the servers: each alone, or all at once.
class DnsLoad {
 public:
  DnsLoad(std::vector<DnsTarget> targets, const std::vector<std::string>& owners, std::size_t window, bool use_dnsperf,
          const std::string& work_dir)
      : targets_(std::move(targets)), window_(window), use_dnsperf_(use_dnsperf) {
    for (const auto& t : targets_) {
      wire_.push_back(wire_queries(owners, t.qtype, t.rd));
      if (use_dnsperf_) {
        data_files_.push_back(work_dir + "/queries-" + t.label + ".txt");
        std::ofstream f(data_files_.back());
        for (const auto& o : owners) f << o << (t.qtype == kTypeTxt ? " TXT\n" : " CNAME\n");
      }
    }
  }
  const std::vector<DnsTarget>& targets() const { return targets_; }
  std::string tool() const { return use_dnsperf_ ? "dnsperf" : "built-in closed loop (dnsperf-style)"; }

  LoadResult alone(std::size_t i, double seconds) const {
    if (use_dnsperf_) return dnsperf(targets_[i], data_files_[i], window_, seconds);
    const auto start = SteadyClock::now() + std::chrono::milliseconds(20);
    return closed_loop({&targets_[i]}, {&wire_[i]}, window_, start, start + duration(seconds)).front();
  }
  // All servers at once, as the probe loads them: one closed loop over all of them (dnsperf:
  // one process per server, in parallel).
  std::vector<LoadResult> together(double seconds) const {
    if (!use_dnsperf_) {
      std::vector<const DnsTarget*> t;
      std::vector<const std::vector<std::vector<unsigned char>>*> q;
      for (std::size_t i = 0; i < targets_.size(); ++i) {
        t.push_back(&targets_[i]);
        q.push_back(&wire_[i]);
      }
      const auto start = SteadyClock::now() + std::chrono::milliseconds(20);
      return closed_loop(t, q, window_, start, start + duration(seconds));
    }
    std::vector<LoadResult> out(targets_.size());
    std::vector<std::exception_ptr> failed(targets_.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < targets_.size(); ++i)
      threads.emplace_back([&, i] {
        try {
          out[i] = dnsperf(targets_[i], data_files_[i], window_, seconds);
        } catch (...) {
          failed[i] = std::current_exception();
        }
      });
    for (auto& t : threads) t.join();
    for (const auto& e : failed)
      if (e) std::rethrow_exception(e);
    return out;
  }

 private:
  static SteadyClock::duration duration(double seconds) {
    return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
  }

  std::vector<DnsTarget> targets_;
  std::size_t window_;
  bool use_dnsperf_;
  std::vector<std::vector<std::vector<unsigned char>>> wire_;
  std::vector<std::string> data_files_;
};

double sum_qps(const std::vector<LoadResult>& v) {
  double s = 0;
  for (const auto& r : v) s += r.qps();
  return s;
}

// ---- HTTP limit: wrk, a new connection per request ---------------------------------------------------

struct WrkResult {
  double rps = 0, cpu_s = 0;  // cpu_s: wrk's CPU time (user + system)
  std::uint64_t requests = 0, non_2xx = 0, socket_errors = 0;
  int threads = 0, connections = 0;
  std::string scheme;
};

WrkResult wrk(const std::string& scheme, std::uint16_t port, int threads, int connections, double seconds,
              const std::string& script) {
  const std::string url = scheme + "://127.0.0.1:" + std::to_string(port) + "/.well-known/pki-validation/fileauth.txt";
  const double cpu_start = cpu_seconds(RUSAGE_CHILDREN);
  auto run = run_program({wrk_program(), "-t", std::to_string(threads), "-c", std::to_string(connections), "-d",
                          std::to_string(static_cast<int>(std::lround(seconds))) + "s", "-H", "Connection: close", "-s",
                          script, url});
  if (run.exit_code != 0) die("wrk failed:\n" + run.all());
  WrkResult r;
  r.cpu_s = cpu_seconds(RUSAGE_CHILDREN) - cpu_start;
  r.scheme = scheme;
  r.threads = threads;
  r.connections = connections;
  auto number_after = [&](const std::string& label) -> double {
    const auto at = run.out.find(label);
    return at == std::string::npos ? 0 : std::strtod(run.out.c_str() + at + label.size(), nullptr);
  };
  if (run.out.find("Requests/sec:") == std::string::npos) die("wrk: no Requests/sec in its output:\n" + run.all());
  r.rps = number_after("Requests/sec:");
  // "  12345 requests in 3.00s, ..."
  std::istringstream in(run.out);
  for (std::string line; std::getline(in, line);)
    if (line.find(" requests in ") != std::string::npos) r.requests = std::strtoull(line.c_str(), nullptr, 10);
  r.non_2xx = static_cast<std::uint64_t>(number_after("Non-2xx or 3xx responses:"));
  if (const auto at = run.out.find("Socket errors:"); at != std::string::npos) {
    // "Socket errors: connect 0, read 0, write 0, timeout 0"
    std::istringstream s(run.out.substr(at, run.out.find('\n', at) - at));
    for (std::string word; s >> word;)
      if (std::isdigit(static_cast<unsigned char>(word[0]))) r.socket_errors += std::strtoull(word.c_str(), nullptr, 10);
  }
  return r;
}

// ---- the loopback addresses of the DNS world --------------------------------------------------------

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

// BIND listens only on interface addresses, and lo usually carries just 127.0.0.1, while the
// probe needs ns1 and ns2 on one port at two addresses. Rather than relaying (a relay thread in
// this process would cost CPU that is not the probe's), this process and every server it starts
// move to a private network namespace whose lo also carries 127.0.0.2 and 127.0.0.3. Nothing
// outside changes; the namespace goes away with the processes. Returns how the addresses exist.
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

// Bytes malloc has handed out and not got back (all arenas): tells a leak from RSS the allocator
// keeps after a run (freed chunks it does not return to the system).
double heap_in_use_mb() { return static_cast<double>(mallinfo2().uordblks) / (1024.0 * 1024.0); }

// Resident set size now (not the peak), from /proc/self/statm.
double rss_now_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

// Lines in a file, read in chunks (the access log grows by every request of every round).
std::size_t count_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char buf[65536];
  std::size_t lines = 0;
  while (in.read(buf, sizeof buf) || in.gcount() > 0) lines += static_cast<std::size_t>(std::count(buf, buf + in.gcount(), '\n'));
  return lines;
}

}  // namespace

static int bench_main(int argc, char** argv) {
  std::size_t n = 10000, concurrency = 200, dns_window = 100;
  double limit_seconds = 3;
  std::string dns_tool = "auto";
  std::string only;  // "dns" or "http": profiling one half
  int wrk_threads = 2, rounds = 3;
  std::size_t dns_in_flight = DnsProbeOptions{}.max_in_flight;  // queries in flight (the probe's default)
  bool nginx_resumption = false;  // nginx's default TLS session tickets (for comparison only)
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--quick") {
      n = 2000;
      limit_seconds = 2;
    } else if (arg == "--names" && has_value) {
      n = std::stoul(argv[++i]);
    } else if (arg == "--concurrency" && has_value) {
      concurrency = std::stoul(argv[++i]);
    } else if (arg == "--seconds" && has_value) {
      limit_seconds = std::stod(argv[++i]);
    } else if (arg == "--rounds" && has_value) {
      rounds = std::stoi(argv[++i]);
    } else if (arg == "--dns-in-flight" && has_value) {
      dns_in_flight = std::stoul(argv[++i]);
    } else if (arg == "--nginx-resumption") {
      nginx_resumption = true;
    } else if (arg == "--wrk-threads" && has_value) {
      wrk_threads = std::stoi(argv[++i]);
    } else if (arg == "--only" && has_value) {
      only = argv[++i];
    } else if (arg == "--dns-limit-tool" && has_value) {
      dns_tool = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: bench_check [--names N] [--quick] [--rounds R] [--concurrency C] [--seconds S] [--only dns|http]\n"
                   "                   [--dns-in-flight Q] [--dns-limit-tool auto|builtin|dnsperf] [--wrk-threads T]\n"
                   "                   [--nginx-resumption]\n");
      return 2;
    }
  }
  if (n == 0 || concurrency == 0 || rounds <= 0) die("--names, --concurrency and --rounds must be positive");
  const bool have_dnsperf = !dnsperf_program().empty();
  if (dns_tool == "dnsperf" && !have_dnsperf) die("dnsperf is not installed (tools/install-deps.sh)");
  const bool use_dnsperf = dns_tool == "dnsperf" || (dns_tool == "auto" && have_dnsperf);
  if (wrk_program().empty()) die("wrk is not installed (tools/install-deps.sh)");
  const std::string loopback = loopback_world();  // before any thread: they inherit the namespace
  curl_global_init(CURL_GLOBAL_DEFAULT);

  // One token for every name, valid now.
  const UnixSeconds now = system_clock().now();
  auto token = compute_token("bench-AuthKey-0123456789abcdef0123", "bench_check CSR stand-in", now - 3600);
  if (!token) die(token.error().message);
  const auto expected = std::shared_ptr<const TokenExpectation>(TokenExpectation::exact({*token}));

  std::vector<std::string> names, owners;
  names.reserve(n);
  owners.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    names.push_back(host_name(i) + "." + kZone);
    owners.push_back("_dnsauth." + names.back());
    owners.push_back(names.back());
  }

  // ---- the servers -------------------------------------------------------------------------------
  std::string load_average;
  std::getline(std::ifstream("/proc/loadavg"), load_average);
  load_average = load_average.substr(0, load_average.find(' ', load_average.find(' ', load_average.find(' ') + 1) + 1));
  const auto setup_start = SteadyClock::now();
  std::unique_ptr<DnsServer> resolver, ns1, ns2;
  {
    DnsServerConfig c;
    c.zone = kZone;
    c.nameservers = {{"ns1", "127.0.0.2"}, {"ns2", "127.0.0.3"}};
    c.records.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
      c.records.push_back(host_name(i) + " IN A 127.0.0.1");
      c.records.push_back("_dnsauth." + host_name(i) + " IN TXT \"" + *token + "\"");
    }
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
  // Full TLS handshakes on every connection, as the probe's connections to different names are:
  // wrk would otherwise resume its sessions (it keeps them across reconnects) and measure a
  // cheaper handshake than the probe ever gets.
  NginxServer nginx(dcvkit::test::NginxOptions{nginx_resumption});
  // One webroot, reached through a per-host symlink (the config serves www/$host): the same file
  // per name as 10,000 copies would be, without creating 10,000 directory trees.
  nginx.put_token_file("_bench_webroot", *token + "\n");
  for (const auto& name : names) {
    std::error_code ec;
    std::filesystem::create_directory_symlink("_bench_webroot", nginx.dir() + "/www/" + name, ec);
    if (ec) die("cannot link the webroot of " + name + ": " + ec.message());
  }
  const std::string script = nginx.dir() + "/rotate-hosts.lua";
  {
    std::ofstream lua(script);
    lua << "-- every request a new connection (Connection: close), Host rotating over the bench names\n"
        << "local i = 0\nrequest = function()\n  local host = string.format(\"h%05d." << kZone << "\", i)\n"
        << "  i = (i + 1) % " << n << "\n"
        << "  return wrk.format(\"GET\", nil, {[\"Host\"] = host, [\"Connection\"] = \"close\"})\nend\n";
  }
  const double setup_s = seconds_since(setup_start);
  rusage setup_ru{};
  ::getrusage(RUSAGE_SELF, &setup_ru);
  const double setup_rss_mb = static_cast<double>(setup_ru.ru_maxrss) / 1024.0;

  const std::vector<const DnsServer*> dns_servers = {resolver.get(), ns1.get(), ns2.get()};
  const std::vector<DnsTarget> targets = {{"resolver", resolver->address(), resolver->port(), kTypeCname, true},
                                          {"ns1", ns1->address(), ns1->port(), kTypeTxt, false},
                                          {"ns2", ns2->address(), ns2->port(), kTypeTxt, false}};

  // Each round: the batch, then the limit right after it, so both see the same machine (others
  // share these cores). Reported: the best of the rounds for each side (as bench_token does), and
  // the median of the per-round ratios.
  const bool do_dns = only != "http", do_http = only != "dns";
  std::vector<std::string> round_lines;
  auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };

  // ---- DNS ------------------------------------------------------------------------------------------
  CheckBatchOptions dns_options;
  dns_options.dns.resolver = HostPort{resolver->address(), resolver->port()};
  dns_options.dns.ns_port = ns1->port();
  dns_options.dns.max_in_flight = dns_in_flight;
  dns_options.concurrency = concurrency;
  const DnsLoad dns_load(targets, owners, dns_window, use_dnsperf, nginx.dir());
  BatchRun dns;  // the best round
  std::size_t dns_failures = 0;
  std::vector<std::uint64_t> received(dns_servers.size(), 0);
  std::vector<LoadResult> together, alone;  // the best round's; each server alone (once)
  std::vector<double> dns_round_ratios;
  double queries_per_name = 0, dns_limit = 0, load_cpu_us_per_query = 0;
  if (do_dns) {
    for (int round = 0; round < rounds; ++round) {
      ::malloc_trim(0);  // each round from a clean heap: peak RSS is one batch's, not rounds' leftovers
      std::vector<std::uint64_t> before;
      for (const auto* s : dns_servers) before.push_back(queries_received(*s));
      BatchRun r = run_batch(dns_options, names, DcvMethod::Dns, expected);
      for (std::size_t i = 0; i < dns_servers.size(); ++i) received[i] += queries_received(*dns_servers[i]) - before[i];
      dns_failures += r.failures;
      const double load_cpu_start = cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN);
      auto t = dns_load.together(limit_seconds);
      const double load_cpu = cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN) - load_cpu_start;
      const double per_name = static_cast<double>(received[0] + received[1] + received[2]) /
                              static_cast<double>(n * static_cast<std::size_t>(round + 1));
      dns_round_ratios.push_back(r.names_per_s * per_name / sum_qps(t));
      round_lines.push_back(fmt("  DNS  round %d: %8.0f names/s, limit %8.0f q/s, ratio %.3f, RSS now %.1f MB (heap in use %.1f MB)",
                                round + 1, r.names_per_s, sum_qps(t), dns_round_ratios.back(), rss_now_mb(), heap_in_use_mb()));
      if (sum_qps(t) > dns_limit) {
        dns_limit = sum_qps(t);
        together = t;
        load_cpu_us_per_query = load_cpu * 1e6 / (dns_limit * limit_seconds);
      }
      if (r.names_per_s > dns.names_per_s) dns = std::move(r);
    }
    dns.failures = dns_failures;
    for (std::size_t i = 0; i < targets.size(); ++i) alone.push_back(dns_load.alone(i, limit_seconds));
    queries_per_name = static_cast<double>(received[0] + received[1] + received[2]) / static_cast<double>(n * rounds);
  }
  const double dns_ratio = dns_limit > 0 ? dns.names_per_s * queries_per_name / dns_limit : 0;

  // ---- HTTP -----------------------------------------------------------------------------------------
  CheckBatchOptions http_options = dns_options;
  http_options.http.connect_address = "127.0.0.1";
  http_options.http.http_port = nginx.http_port();
  http_options.http.https_port = nginx.https_port();
  http_options.http.max_in_flight = concurrency;
  BatchRun http;
  std::size_t http_failures = 0, http_requests = 0;
  double requests_per_name = 0, http_limit = 0;
  std::vector<double> http_round_ratios;
  std::vector<WrkResult> wrk_runs;
  if (do_http) {
    for (int round = 0; round < rounds; ++round) {
      ::malloc_trim(0);
      const std::size_t log_before = count_lines(nginx.dir() + "/access.log");
      BatchRun r = run_batch(http_options, names, DcvMethod::Http, expected);
      const std::size_t requests = count_lines(nginx.dir() + "/access.log") - log_before;
      http_requests += requests;
      http_failures += r.failures;
      // wrk on the port(s) the run used, at two connection counts (the best counts). The run's
      // limit is its mix's: time per request weighted by the share of https and http requests.
      // Every name starts with one https request (no redirects here); requests beyond one per
      // name went to the http port (the probe's second attempt, when https was not accepted).
      auto best_wrk = [&](const std::string& scheme, std::uint16_t port) {
        double best = 0;
        for (int c : {50, static_cast<int>(concurrency)}) {
          wrk_runs.push_back(wrk(scheme, port, wrk_threads, c, limit_seconds, script));
          if (wrk_runs.back().non_2xx + wrk_runs.back().socket_errors == 0) best = std::max(best, wrk_runs.back().rps);
        }
        return best;
      };
      const double https_share = std::min(1.0, static_cast<double>(n) / std::max(1.0, static_cast<double>(requests)));
      double limit = best_wrk("https", nginx.https_port());
      if (https_share < 1.0) limit = 1.0 / (https_share / limit + (1.0 - https_share) / best_wrk("http", nginx.http_port()));
      http_round_ratios.push_back(r.names_per_s * static_cast<double>(requests) / static_cast<double>(n) / limit);
      round_lines.push_back(fmt("  HTTP round %d: %8.0f names/s, limit %8.0f req/s, ratio %.3f, RSS now %.1f MB (heap in use %.1f MB)",
                                round + 1, r.names_per_s, limit, http_round_ratios.back(), rss_now_mb(), heap_in_use_mb()));
      http_limit = std::max(http_limit, limit);
      if (r.names_per_s > http.names_per_s) http = std::move(r);
    }
    http.failures = http_failures;
    requests_per_name = static_cast<double>(http_requests) / static_cast<double>(n * rounds);
  }
  const double http_ratio = http_limit > 0 ? http.names_per_s * requests_per_name / http_limit : 0;

  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  const double peak_rss_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;

  // ---- report -----------------------------------------------------------------------------------------
  auto per_name = [&](std::uint64_t q) { return static_cast<double>(q) / static_cast<double>(n * rounds); };
  std::printf("bench_check: %zu names x %d rounds (best of), concurrency %zu, %u CPUs (load average at start %s),\n"
              "             3 BIND + nginx (1 worker) up in %.1f s, %s\n",
              n, rounds, concurrency, std::thread::hardware_concurrency(), load_average.c_str(), setup_s, loopback.c_str());
  // CPU per request: this process's CPU time over the run (all its threads) per query or request sent.
  std::printf("%-18s %9s %11s %8s %8s %8s %7s %11s %9s\n", "run_check_batch", "names/s", "requests/s", "p50 ms", "p99 ms",
              "max ms", "failed", "CPU us/req", "CPU cores");
  if (do_dns)
    std::printf("%-18s %9.0f %11.0f %8.2f %8.2f %8.2f %7zu %11.1f %9.2f\n", "DNS  (dns only)", dns.names_per_s,
                dns.names_per_s * queries_per_name, dns.p50_ms, dns.p99_ms, dns.max_ms, dns.failures,
                dns.cpu_s * 1e6 / (static_cast<double>(n) * queries_per_name), dns.cpu_s / dns.seconds);
  if (do_http)
    std::printf("%-18s %9.0f %11.0f %8.2f %8.2f %8.2f %7zu %11.1f %9.2f\n", "HTTP (http only)", http.names_per_s,
                http.names_per_s * requests_per_name, http.p50_ms, http.p99_ms, http.max_ms, http.failures,
                http.cpu_s * 1e6 / (static_cast<double>(n) * requests_per_name), http.cpu_s / http.seconds);
  for (const auto* r : {&dns, &http})
    for (const auto& f : r->first_failures) std::printf("  FAILED %s\n", f.c_str());
  for (const auto& line : round_lines) std::printf("%s\n", line.c_str());
  if (do_dns) {
    std::printf("DNS queries per name, counted by BIND (statistics channel, opcode QUERY): %.3f = resolver %.3f + ns1 %.3f + ns2 %.3f\n",
                queries_per_name, per_name(received[0]), per_name(received[1]), per_name(received[2]));
    std::printf("DNS limit: %s, %zu outstanding per server, %.0f s, each server gets the probe's queries for it\n",
                dns_load.tool().c_str(), dns_window, limit_seconds);
    std::printf("  %-26s %14s %14s %8s %9s\n", "server (queries)", "alone q/s", "all at once q/s", "lost", "!NOERROR");
    for (std::size_t i = 0; i < targets.size(); ++i)
      std::printf("  %-26s %14.0f %14.0f %8llu %9llu\n",
                  (targets[i].label + " (" + (targets[i].qtype == kTypeTxt ? "TXT" : "CNAME, RD") + ")").c_str(),
                  alone[i].qps(), together[i].qps(), static_cast<unsigned long long>(alone[i].lost + together[i].lost),
                  static_cast<unsigned long long>(alone[i].not_noerror + together[i].not_noerror));
    std::printf("  %-26s %14.0f %14.0f   <- the limit: all at once, as the run loads them\n", "sum", sum_qps(alone), dns_limit);
    std::printf("  load generator CPU: %.1f us per query (the probe: %.1f)\n", load_cpu_us_per_query,
                dns.cpu_s * 1e6 / (static_cast<double>(n) * queries_per_name));
    std::printf("dns_ratio  = %.0f names/s x %.3f q/name / %.0f q/s = %.3f (median of rounds %.3f; target >= 0.5)\n",
                dns.names_per_s, queries_per_name, dns_limit, dns_ratio, median(dns_round_ratios));
  }
  if (do_http) {
    std::printf("HTTP requests per name, counted by nginx (access log): %.3f; decided by the https URL: %zu of %zu\n",
                requests_per_name, http.https_decided, n);
    std::printf("HTTP limit: wrk, Connection: close, Host rotating over the %zu names, %.0f s, TLS session resumption %s\n", n,
                limit_seconds, nginx_resumption ? "ON (nginx default; the probe never resumes)" : "off (full handshakes)");
    for (const auto& w : wrk_runs)
      std::printf("  %-5s -t %d -c %-4d %8.0f req/s, wrk CPU %6.1f us/req  (%llu requests, non-2xx %llu, socket errors %llu)\n",
                  w.scheme.c_str(), w.threads, w.connections, w.rps,
                  w.requests ? w.cpu_s * 1e6 / static_cast<double>(w.requests) : 0.0, static_cast<unsigned long long>(w.requests),
                  static_cast<unsigned long long>(w.non_2xx), static_cast<unsigned long long>(w.socket_errors));
    std::printf("http_ratio = %.0f names/s x %.3f req/name / %.0f req/s = %.3f (median of rounds %.3f; target >= 0.5)\n",
                http.names_per_s, requests_per_name, http_limit, http_ratio, median(http_round_ratios));
  }
  const bool valid = dns.failures == 0 && http.failures == 0;
  std::printf("peak RSS %.1f MB (target < 100; %.1f MB of it before the first run: names, zone text, libraries)%s\n",
              peak_rss_mb, setup_rss_mb, valid ? "" : "   RUN INVALID: some names failed");
  std::printf(
      "{\"dns_names_per_s\": %.0f, \"dns_limit_qps\": %.0f, \"dns_ratio\": %.3f, \"http_names_per_s\": %.0f, "
      "\"http_limit_rps\": %.0f, \"dns_queries_per_name\": %.3f, \"http_ratio\": %.3f, \"peak_rss_mb\": %.1f, "
      "\"names\": %zu, \"rounds\": %d, \"valid\": %s, \"dns_failures\": %zu, \"http_failures\": %zu, "
      "\"dns_p50_ms\": %.2f, \"dns_p99_ms\": %.2f, \"http_p50_ms\": %.2f, \"http_p99_ms\": %.2f, "
      "\"http_requests_per_name\": %.3f, \"dns_ratio_median\": %.3f, \"http_ratio_median\": %.3f, "
      "\"dns_limit_qps_alone_sum\": %.0f, \"dns_limit_tool\": \"%s\", \"tls_resumption\": %s, \"setup_rss_mb\": %.1f}\n",
      dns.names_per_s, dns_limit, dns_ratio, http.names_per_s, http_limit, queries_per_name, http_ratio, peak_rss_mb, n,
      rounds, valid ? "true" : "false", dns.failures, http.failures, dns.p50_ms, dns.p99_ms, http.p50_ms, http.p99_ms,
      requests_per_name, median(dns_round_ratios), median(http_round_ratios), sum_qps(alone), use_dnsperf ? "dnsperf" : "builtin",
      nginx_resumption ? "true" : "false", setup_rss_mb);
  curl_global_cleanup();
  return valid ? 0 : 1;
}

int main(int argc, char** argv) {
  try {
    return bench_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_check: %s\n", e.what());
    return 1;
  }
}
