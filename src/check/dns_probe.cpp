// The DNS probe: per owner name, follow CNAMEs at the resolver, find the zone, then ask every
// authoritative address of that zone for TXT, all on one event loop (see check/dns_query_loop).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>

#include "check/dns_probe_stats.hpp"
#include "check/dns_query_loop.hpp"
#include "check/dns_zone_servers.hpp"
#include "dcvkit/check_dns.hpp"
#include "dcvkit/names.hpp"

namespace dcvkit {
namespace {

using dns::QueryLoop;
using dns::Reply;
using dns::RrType;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxCnameHops = 8;

struct NameJob {
  explicit NameJob(DnsProbeStats& s) : stats(s) {
    stats.max_live_names = std::max(stats.max_live_names, ++stats.live_names);
  }
  ~NameJob() { --stats.live_names; }
  NameJob(const NameJob&) = delete;
  NameJob& operator=(const NameJob&) = delete;

  DnsProbeStats& stats;
  DnsObservation obs;
  std::function<void(DnsObservation)> done;
  Clock::time_point started = Clock::now();
  int owners_left = 2;
};

struct OwnerJob {
  std::shared_ptr<NameJob> job;
  std::size_t index = 0;
  std::string current;            // the name being resolved: the owner, then each CNAME target
  std::size_t answers_left = 0;
  OwnerObservation& obs() { return job->obs.owners[index]; }
};
using OwnerPtr = std::shared_ptr<OwnerJob>;

bool in_zone(const std::string& name, const std::string& zone) {
  if (zone.empty() || name == zone) return true;
  return name.size() > zone.size() && name.compare(name.size() - zone.size(), zone.size(), zone) == 0 &&
         name[name.size() - zone.size() - 1] == '.';
}

std::string parent_of(const std::string& name) {
  const auto dot = name.find('.');
  return dot == std::string::npos ? std::string() : name.substr(dot + 1);
}

std::string canonical(std::string name) {
  while (!name.empty() && name.back() == '.') name.pop_back();
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

class DnsProbeImpl final : public DnsProbe {
 public:
  explicit DnsProbeImpl(const DnsProbeOptions& options)
      : options_(options),
        resolver_text_(dns::server_text(options.resolver.host, options.resolver.port)),
        loop_(options.max_in_flight, options.timeout_ms) {}

  Status init() {
    auto ch = loop_.channel(options_.resolver.host, options_.resolver.port, true);
    if (!ch) return ch.error();
    resolver_ = *ch;
    zones_ = std::make_unique<dns::ZoneServerCache>(loop_, resolver_, resolver_text_, options_.timeout_ms);
    return {};
  }

  void submit(std::string name, std::function<void(DnsObservation)> done) override {
    pending_.push_back(Pending{std::move(name), std::move(done)});
  }

  void run() override {
    for (;;) {
      // New names only while the loop has room: queued work stays as cheap (name, callback) pairs.
      while (!pending_.empty() && loop_.backlog() < options_.max_in_flight) {
        Pending p = std::move(pending_.front());
        pending_.pop_front();
        start(std::move(p));
      }
      if (pending_.empty() && loop_.idle()) return;
      loop_.step();
    }
  }

  DnsProbeStats stats() const {
    DnsProbeStats s = stats_;
    s.queries_sent = loop_.counters().sent;
    s.sent_by_type = loop_.counters().sent_by_type;
    s.max_in_flight_seen = loop_.counters().max_in_flight_seen;
    s.channels = loop_.channel_count();
    s.cached_zones = zones_ ? zones_->size() : 0;
    return s;
  }

 private:
  struct Pending {
    std::string name;
    std::function<void(DnsObservation)> done;
  };

  void start(Pending p) {
    auto job = std::make_shared<NameJob>(stats_);
    job->done = std::move(p.done);
    job->obs.name = canonical(std::move(p.name));
    const std::string base(wildcard_base(job->obs.name));
    job->obs.owners.resize(2);
    job->obs.owners[0].owner = "_dnsauth." + base;
    job->obs.owners[1].owner = base;
    // Both owners at once: the CA reads them in order, but nothing makes one wait for the other.
    for (std::size_t i = 0; i < 2; ++i) {
      auto o = std::make_shared<OwnerJob>();
      o->job = job;
      o->index = i;
      o->current = job->obs.owners[i].owner;
      follow(o);
    }
  }

  // Asks for the CNAME itself (not TXT) so the resolver does not chase the chain for us: each hop
  // is recorded, loops are seen, and a negative answer carries the zone's SOA for free.
  void follow(const OwnerPtr& o) {
    loop_.send(resolver_, o->current, RrType::CNAME, [this, o](const Reply& r) { on_cname(o, r); });
  }

  void on_cname(const OwnerPtr& o, const Reply& r) {
    if (resolver_failed(o, RrType::CNAME, o->current, r)) return;
    const dns::DnsMessage& m = *r.message;
    for (const auto& rec : m.answer) {
      if (rec.type != RrType::CNAME || rec.owner != o->current) continue;
      auto& cnames = o->obs().cnames;
      const bool seen = rec.data == o->obs().owner || std::find(cnames.begin(), cnames.end(), rec.data) != cnames.end();
      if (seen || cnames.size() >= kMaxCnameHops) {
        std::string chain = o->obs().owner;
        for (const auto& c : cnames) chain += " -> " + c;
        chain += " -> " + rec.data;
        return fail(o, "dns.cname_loop",
                    (seen ? "CNAME loop: " : "more than " + std::to_string(kMaxCnameHops) + " CNAMEs: ") + chain);
      }
      cnames.push_back(rec.data);
      o->current = rec.data;
      return follow(o);
    }
    for (const auto& rec : m.authority)
      if (rec.type == RrType::SOA && in_zone(o->current, rec.owner)) return ask_servers(o, rec.owner);
    find_zone(o, o->current);
  }

  void find_zone(const OwnerPtr& o, std::string candidate) {
    const std::string asked = candidate.empty() ? "." : candidate;
    loop_.send(resolver_, asked, RrType::SOA, [this, o, candidate](const Reply& r) { on_soa(o, candidate, r); });
  }

  void on_soa(const OwnerPtr& o, const std::string& candidate, const Reply& r) {
    if (resolver_failed(o, RrType::SOA, candidate, r)) return;
    for (const auto* section : {&r.message->answer, &r.message->authority})
      for (const auto& rec : *section)
        if (rec.type == RrType::SOA && in_zone(o->current, rec.owner)) return ask_servers(o, rec.owner);
    // Only a resolver that answers without SOA (not a recursive one) gets here: walk up.
    if (candidate.empty())
      return fail(o, "dns.no_zone", "no SOA for " + o->current + " or any parent at resolver " + resolver_text_);
    find_zone(o, parent_of(candidate));
  }

  void ask_servers(const OwnerPtr& o, const std::string& zone) {
    o->obs().zone = zone.empty() ? "." : zone;
    o->obs().queried = o->current;
    zones_->get(zone, [this, o](const dns::ZoneServers& zs) { on_zone_servers(o, zs); });
  }

  void on_zone_servers(const OwnerPtr& o, const dns::ZoneServers& zs) {
    if (!zs.error_code.empty()) return fail(o, zs.error_code, zs.error_detail);
    auto& answers = o->obs().answers;
    answers.resize(zs.servers.size());
    o->answers_left = zs.servers.size();
    for (std::size_t i = 0; i < zs.servers.size(); ++i) {
      answers[i].server = dns::server_text(zs.servers[i].host, options_.ns_port);
      answers[i].ns_name = zs.servers[i].ns_name;
      auto ch = loop_.channel(zs.servers[i].host, options_.ns_port, false);
      if (!ch) {
        answers[i].rcode = "ERROR";
        --o->answers_left;
        continue;
      }
      loop_.send(*ch, o->current, RrType::TXT, [this, o, i](const Reply& r) { on_txt(o, i, r); });
    }
    if (o->answers_left == 0) finish_owner(o);
  }

  void on_txt(const OwnerPtr& o, std::size_t slot, const Reply& r) {
    TxtAnswer& a = o->obs().answers[slot];
    if (!r.message) {
      a.rcode = "TIMEOUT";
    } else {
      a.rcode = dns::rcode_text(r.message->rcode);
      for (const auto& rec : r.message->answer)
        if (rec.type == RrType::TXT && rec.owner == o->current) a.values.push_back(rec.data);
    }
    if (--o->answers_left == 0) finish_owner(o);
  }

  bool resolver_failed(const OwnerPtr& o, RrType type, const std::string& name, const Reply& r) {
    const std::string code = dns::resolver_failure_code(r);
    if (code.empty()) return false;
    fail(o, code, dns::resolver_failure_detail(type, name, resolver_text_, options_.timeout_ms, r));
    return true;
  }

  void fail(const OwnerPtr& o, std::string code, std::string detail) {
    o->obs().error_code = std::move(code);
    o->obs().error_detail = std::move(detail);
    o->obs().answers.clear();
    finish_owner(o);
  }

  void finish_owner(const OwnerPtr& o) {
    NameJob& job = *o->job;
    if (--job.owners_left > 0) return;
    job.obs.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - job.started).count();
    auto done = std::move(job.done);
    job.done = nullptr;
    if (done) done(std::move(job.obs));
  }

  DnsProbeStats stats_;  // first member: per-name state released while tearing down still counts here
  DnsProbeOptions options_;
  std::string resolver_text_;
  std::deque<Pending> pending_;
  QueryLoop loop_;
  QueryLoop::Channel* resolver_ = nullptr;
  std::unique_ptr<dns::ZoneServerCache> zones_;  // after loop_: destroyed first, it refers to it
};

}  // namespace

Result<std::unique_ptr<DnsProbe>> DnsProbe::create(const DnsProbeOptions& options) {
  if (options.timeout_ms <= 0)
    return make_error(ErrorKind::Usage, "dns.bad_timeout", "DNS timeout must be positive");
  DnsProbeOptions o = options;
  o.max_in_flight = std::max<std::size_t>(1, o.max_in_flight);
  auto probe = std::make_unique<DnsProbeImpl>(o);
  if (auto st = probe->init(); !st) return st.error();
  return std::unique_ptr<DnsProbe>(std::move(probe));
}

DnsProbeStats dns_probe_stats(const DnsProbe& probe) {
  if (const auto* impl = dynamic_cast<const DnsProbeImpl*>(&probe)) return impl->stats();
  return {};
}

}  // namespace dcvkit
