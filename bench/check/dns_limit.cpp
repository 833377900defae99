// The DNS side's limit: what the same servers answer per second for the probe's query mix, from
// dnsperf (when installed) or the built-in closed loop below; and BIND's own query counters.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench_check.hpp"
#include "support/run.hpp"

namespace bench_check {
namespace {

using dcvkit::test::run_program;

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// The probe's queries, in wire format (ID left 0): the owners of every name (_dnsauth.<name> and
// <name>, each with the target's type there), EDNS like c-ares (or libunbound, with DO).
std::vector<std::vector<unsigned char>> wire_queries(const std::vector<std::string>& owners, const DnsTarget& t) {
  std::vector<std::vector<unsigned char>> out;
  out.reserve(owners.size());
  for (std::size_t i = 0; i < owners.size(); ++i) {
    const std::string& owner = owners[i];
    const std::uint16_t qtype = t.type_at(i % 2 == 1);
    if (qtype == 0) continue;
    std::vector<unsigned char> q = {0, 0, static_cast<unsigned char>(t.rd ? 0x01 : 0x00), 0, 0, 1, 0, 0, 0, 0, 0, 1};
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
                       0, 0, static_cast<unsigned char>(t.dnssec_ok ? 0x80 : 0), 0, 0, 0});
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
  std::vector<std::string> argv = {dnsperf_program(), "-s", target.address, "-p", std::to_string(target.port), "-d", data_file,
                                   "-l", std::to_string(static_cast<int>(std::lround(seconds))), "-q", std::to_string(window), "-e"};
  if (target.dnssec_ok) argv.push_back("-D");
  auto run = run_program(argv);
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

const char* type_name(std::uint16_t type) {
  switch (type) {
    case kTypeCname: return "CNAME";
    case kTypeTxt: return "TXT";
    case kTypeCaa: return "CAA";
  }
  return "TYPE0";
}

SteadyClock::duration duration(double seconds) {
  return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

std::string DnsTarget::describe() const {
  std::string types = type_name(qtype);
  if (qtype == 0) types = type_name(base_qtype);
  else if (base_qtype != 0 && base_qtype != qtype) types += std::string("/") + type_name(base_qtype);
  return types + (rd ? ", RD" : "") + (dnssec_ok ? ", DO" : "");
}

std::uint64_t queries_received(const dcvkit::test::DnsServer& server) {
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

DnsLoad::DnsLoad(std::vector<DnsTarget> targets, std::size_t names, std::size_t window, bool use_dnsperf,
                 const std::string& work_dir)
    : targets_(std::move(targets)), window_(window), use_dnsperf_(use_dnsperf) {
  std::vector<std::string> owners;
  owners.reserve(2 * names);
  for (std::size_t i = 0; i < names; ++i) {
    owners.push_back("_dnsauth." + bench_name(i));
    owners.push_back(bench_name(i));
  }
  for (const auto& t : targets_) {
    wire_.push_back(wire_queries(owners, t));
    if (use_dnsperf_) {
      data_files_.push_back(work_dir + "/queries-" + t.label + ".txt");
      std::ofstream f(data_files_.back());
      for (std::size_t i = 0; i < owners.size(); ++i)
        if (const std::uint16_t type = t.type_at(i % 2 == 1); type != 0) f << owners[i] << " " << type_name(type) << "\n";
      // dnsperf has no RD switch: it always asks with RD, which only the resolver's queries carry. The
      // authoritative servers answer both alike (no recursion here).
    }
  }
}

std::string DnsLoad::tool() const { return use_dnsperf_ ? "dnsperf" : "built-in closed loop (dnsperf-style)"; }

LoadResult DnsLoad::alone(std::size_t i, double seconds) const {
  if (use_dnsperf_) return dnsperf(targets_[i], data_files_[i], window_, seconds);
  const auto start = SteadyClock::now() + std::chrono::milliseconds(20);
  return closed_loop({&targets_[i]}, {&wire_[i]}, window_, start, start + duration(seconds)).front();
}

// All servers at once, as the probe loads them: one closed loop over all of them (dnsperf:
// one process per server, in parallel).
std::vector<LoadResult> DnsLoad::together(double seconds) const {
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

double sum_qps(const std::vector<LoadResult>& v) {
  double s = 0;
  for (const auto& r : v) s += r.qps();
  return s;
}

}  // namespace bench_check
