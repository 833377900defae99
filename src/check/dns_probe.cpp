// The DNS probe: per owner name, follow CNAMEs at the resolver, find the zone, then ask every
// authoritative address of that zone for TXT, all on one event loop (see check/dns_query_loop).
// Per-name state lives in one NameJob, owned by the probe until both owners are done; the query
// handlers refer to it by plain pointer (two pointers at most: no allocation per query).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <deque>

#include "check/caa_lookup.hpp"
#include "check/dns_probe_stats.hpp"
#include "check/dns_query_loop.hpp"
#include "check/dns_zone_servers.hpp"
#include "check/dnssec.hpp"
#include "check/zone_trust.hpp"
#include "dcvkit/check_dns.hpp"
#include "dcvkit/names.hpp"

namespace dcvkit {
namespace {

using dns::Message;
using dns::QueryLoop;
using dns::RecordRef;
using dns::Reply;
using dns::RrType;
using dns::Section;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxCnameHops = 8;

class DnsProbeImpl;
struct NameJob;

struct OwnerJob {
  NameJob* job = nullptr;
  std::size_t index = 0;
  std::string current;  // the name being resolved: the owner, then each CNAME target
  std::size_t answers_left = 0;
  // DNSSEC on: the zone's trust, whether every TXT answer so far was proved against its keys, and
  // the last answer proved (the other servers' copies of it need no second signature check).
  std::shared_ptr<const dns::ZoneTrust> trust;
  bool proved = true;
  std::string proved_answer;
  OwnerObservation& obs();
};

struct NameJob {
  NameJob(DnsProbeImpl& p, DnsProbeStats& s) : probe(p), stats(s) {
    stats.max_live_names = std::max(stats.max_live_names, ++stats.live_names);
  }
  ~NameJob() { --stats.live_names; }
  NameJob(const NameJob&) = delete;
  NameJob& operator=(const NameJob&) = delete;

  DnsProbeImpl& probe;
  DnsProbeStats& stats;
  DnsObservation obs;
  std::function<void(DnsObservation)> done;
  Clock::time_point started = Clock::now();
  std::size_t owners_left = 2;
  OwnerJob owners[2];
  std::size_t live_index = 0;  // where the probe keeps it
};

OwnerObservation& OwnerJob::obs() { return job->obs.owners[index]; }

bool in_zone(std::string_view name, std::string_view zone) {
  if (zone.empty() || name == zone) return true;
  return name.size() > zone.size() && name.compare(name.size() - zone.size(), zone.size(), zone) == 0 &&
         name[name.size() - zone.size() - 1] == '.';
}

std::string canonical(std::string name) {
  while (!name.empty() && name.back() == '.') name.pop_back();
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

class DnsProbeImpl final : public DnsProbe {
 public:
  explicit DnsProbeImpl(const DnsProbeOptions& options)
      : options_(options), loop_(std::make_unique<QueryLoop>(options.max_in_flight, options.timeout_ms)) {}

  ~DnsProbeImpl() override {
    // Handlers still queued in the loop hold plain pointers to these jobs: the loop goes first.
    caa_.reset();
    zones_.reset();
    trust_.reset();
    validator_.reset();
    loop_.reset();
    live_.clear();
  }

  Status init() {
    auto ch = loop_->channel(options_.resolver.host, options_.resolver.port, true);
    if (!ch) return ch.error();
    resolver_ = *ch;
    if (options_.dnssec.enabled) {
      auto v = dns::Validator::create(*loop_, options_.dnssec, options_.resolver, options_.timeout_ms);
      if (v) {
        validator_ = std::move(*v);
        trust_ = std::make_unique<dns::ZoneTrustCache>(*validator_);
        auto signed_ch = loop_->channel(options_.resolver.host, options_.resolver.port, true, true);
        if (!signed_ch) return signed_ch.error();
        resolver_signed_ = *signed_ch;
      } else if (options_.dnssec.required || !options_.dnssec.on_unavailable) {
        return v.error();
      } else {
        options_.dnssec.on_unavailable(v.error());
      }
    }
    zones_ = std::make_unique<dns::ZoneServerCache>(*loop_, resolver_, options_.ns_port, options_.timeout_ms, validator_ != nullptr);
    // CAA asks the resolver, as the CA's own resolver would be asked; validated when DNSSEC is on.
    caa_ = std::make_unique<dns::CaaLookup>(
        [this](const std::string& owner, dns::ValidatedHandler handler) {
          if (validator_) return ask_caa_signed(owner, std::move(handler));
          loop_->send(resolver_, owner, RrType::CAA,
                      [h = std::move(handler)](const Reply& r) { h(r, dns::Security::Unchecked, std::string()); });
        },
        resolver_text(), options_.timeout_ms);
    return {};
  }

  void submit(std::string name, std::function<void(DnsObservation)> done) override {
    pending_.push_back(Pending{std::move(name), {}, std::move(done), nullptr});
  }

  void submit_owner(std::string name, std::string owner, std::function<void(DnsObservation)> done) override {
    pending_.push_back(Pending{std::move(name), canonical(std::move(owner)), std::move(done), nullptr});
  }

  void submit_caa(std::string name, std::function<void(CaaObservation)> done) override {
    pending_.push_back(Pending{std::move(name), {}, nullptr, std::move(done)});
  }

  void run() override {
    for (;;) {
      // New names only while the loop has room: queued work stays as cheap (name, callback) pairs.
      while (!pending_.empty() && loop_->backlog() < options_.max_in_flight) {
        Pending p = std::move(pending_.front());
        pending_.pop_front();
        if (p.caa_done) caa_->check(canonical(std::move(p.name)), std::move(p.caa_done));
        else start(std::move(p));
      }
      if (pending_.empty() && loop_->idle()) return;
      loop_->step();
    }
  }

  DnsProbeStats stats() const {
    DnsProbeStats s = stats_;
    s.queries_sent = loop_->counters().sent;
    s.sent_by_type = loop_->counters().by_type_text();
    s.max_in_flight_seen = loop_->counters().max_in_flight_seen;
    s.channels = loop_->channel_count();
    s.cached_zones = zones_ ? zones_->size() : 0;
    s.cached_caa_owners = caa_ ? caa_->cached() : 0;
    s.validated = validator_ ? validator_->asked() : 0;
    return s;
  }

  void on_txt(OwnerJob* o, std::size_t slot, const Reply& r) {
    TxtAnswer& a = o->obs().answers[slot];
    if (!r.message) {
      a.rcode = r.malformed.empty() ? "TIMEOUT" : "MALFORMED";
      a.problem = r.malformed.empty() ? dns::no_answer_text(r.status, options_.timeout_ms) : std::string(r.malformed);
    } else {
      const Message& m = *r.message;
      a.rcode = dns::rcode_text(m.rcode());
      for (const RecordRef& rec : m.records())
        if (rec.section == Section::Answer && rec.type == RrType::TXT && m.owner_is(rec, o->current)) {
          a.values.push_back(m.txt(rec));
          a.rendered.push_back(m.txt_rendered(rec));
        }
      a.not_authoritative = !m.authoritative() && (m.rcode() == 0 || m.rcode() == 3) && a.values.empty();
      if (trust_ && !a.values.empty() && o->proved) o->proved = txt_proved(o, m);
    }
    if (--o->answers_left == 0) finish_owner(o);
  }

 private:
  struct Pending {
    std::string name;
    std::string owner;  // the one owner to probe; empty: the CA's two (_dnsauth.<base>, <base>)
    std::function<void(DnsObservation)> done;
    std::function<void(CaaObservation)> caa_done;  // set: a CAA lookup, not a DCV probe
  };

  const std::string& resolver_text() const { return QueryLoop::server_of(resolver_); }

  // ca-rule: dns-owners, dns-wildcard-base
  void start(Pending p) {
    auto owned = std::make_unique<NameJob>(*this, stats_);
    NameJob* job = owned.get();
    job->live_index = live_.size();
    live_.push_back(std::move(owned));
    job->done = std::move(p.done);
    job->obs.name = canonical(std::move(p.name));
    if (p.owner.empty()) {
      const std::string_view base = wildcard_base(job->obs.name);
      job->obs.owners.resize(2);
      job->obs.owners[0].owner.reserve(base.size() + 9);
      job->obs.owners[0].owner.append("_dnsauth.").append(base);
      job->obs.owners[1].owner = base;
    } else {
      job->obs.owners.resize(1);
      job->obs.owners[0].owner = std::move(p.owner);
    }
    const std::size_t owners = job->owners_left = job->obs.owners.size();
    // Both owners at once: the CA reads them in order, but nothing makes one wait for the other.
    for (std::size_t i = 0; i < owners; ++i) {
      OwnerJob* o = &job->owners[i];
      o->job = job;
      o->index = i;
      o->current = job->obs.owners[i].owner;
      follow(o);
    }
  }

  // Asks for the CNAME itself (not TXT) so the resolver does not chase the chain for us: each hop
  // is recorded, loops are seen, and a negative answer carries the zone's SOA for free.
  void follow(OwnerJob* o) {
    loop_->send(resolver_, o->current, RrType::CNAME, [this, o](const Reply& r) { on_cname(o, r); });
  }

  // ca-rule: dns-cname
  void on_cname(OwnerJob* o, const Reply& r) {
    if (resolver_failed(o, RrType::CNAME, o->current, r)) return;
    const Message& m = *r.message;
    for (const RecordRef& rec : m.records()) {
      if (rec.section != Section::Answer || rec.type != RrType::CNAME || !m.owner_is(rec, o->current)) continue;
      std::string target = m.target(rec);
      auto& cnames = o->obs().cnames;
      const bool seen = target == o->obs().owner || std::find(cnames.begin(), cnames.end(), target) != cnames.end();
      if (seen || cnames.size() >= kMaxCnameHops) {
        std::string chain = o->obs().owner;
        for (const auto& c : cnames) chain += " -> " + c;
        chain += " -> " + target;
        return fail(o, "dns.cname_loop",
                    (seen ? "CNAME loop: " : "more than " + std::to_string(kMaxCnameHops) + " CNAMEs: ") + chain);
      }
      cnames.push_back(target);
      o->current = std::move(target);
      return follow(o);
    }
    if (zone_from_soa(o, m, false)) return;
    find_zone(o, o->current);
  }

  // A SOA whose zone holds the name being resolved: in the authority section of a negative answer,
  // or (`answer_too`) the answer to a SOA query. Then asks that zone's servers.
  bool zone_from_soa(OwnerJob* o, const Message& m, bool answer_too) {
    char buf[dns::kMaxNameText];
    for (const RecordRef& rec : m.records()) {
      if (rec.type != RrType::SOA || (rec.section != Section::Authority && !(answer_too && rec.section == Section::Answer)))
        continue;
      const std::string_view zone = m.owner(rec, buf);
      if (!in_zone(o->current, zone)) continue;
      ask_servers(o, zone);
      return true;
    }
    return false;
  }

  void find_zone(OwnerJob* o, const std::string& candidate) {
    const std::string asked = candidate.empty() ? "." : candidate;
    loop_->send(resolver_, asked, RrType::SOA, [this, o, candidate](const Reply& r) { on_soa(o, candidate, r); });
  }

  // Only a resolver that answers without SOA gets here (a filtering one, or one that is no
  // recursive resolver at all): walk up to the root.
  void on_soa(OwnerJob* o, const std::string& candidate, const Reply& r) {
    const std::string no_zone = "no SOA for " + o->current + " or any parent at resolver " + resolver_text();
    // Every name below answered without a zone; a resolver that then refuses or fails the root
    // (it serves no root zone and cannot reach one) has no zone to offer either.
    if (candidate.empty() && r.message && !dns::resolver_failure_code(r).empty())
      return fail(o, "dns.no_zone", no_zone + " (SOA query for . returned " + dns::rcode_text(r.message->rcode()) + ")");
    if (resolver_failed(o, RrType::SOA, candidate, r)) return;
    if (zone_from_soa(o, *r.message, true)) return;
    if (candidate.empty()) return fail(o, "dns.no_zone", no_zone);
    find_zone(o, dns::parent_of(candidate));
  }

  void ask_servers(OwnerJob* o, std::string_view zone) {
    o->obs().zone = zone.empty() ? "." : zone;
    o->obs().queried = o->current;
    if (!trust_) return zones_->get(zone, [this, o](const dns::ZoneServers& zs) { on_zone_servers(o, zs); });
    // The zone's trust first: each server's TXT answer is checked as it arrives.
    trust_->get(std::string(zone), [this, o, z = std::string(zone)](const std::shared_ptr<const dns::ZoneTrust>& t) {
      o->trust = t;
      zones_->get(z, [this, o](const dns::ZoneServers& zs) { on_zone_servers(o, zs); });
    });
  }

  // ca-rule: dnssec-validate
  // A CAA answer with DNSSEC on: asked with DO, proved here when its zone is settled (signed records
  // or a signed denial of a secure zone; anything of an insecure zone), else asked again of the
  // validating resolver. A failed lookup stays a failed lookup (caa.lookup_failed), as without DNSSEC.
  void ask_caa_signed(const std::string& owner, dns::ValidatedHandler handler) {
    loop_->send(resolver_signed_, owner, RrType::CAA,
                [this, owner, h = std::move(handler)](const Reply& r) mutable { on_caa_signed(owner, std::move(h), r); });
  }

  void on_caa_signed(const std::string& owner, dns::ValidatedHandler handler, const Reply& r) {
    if (!dns::resolver_failure_code(r).empty()) return handler(r, dns::Security::Unchecked, std::string());
    const Message& m = *r.message;
    bool has_caa = false;
    std::string zone;
    char buf[dns::kMaxNameText];
    for (const RecordRef& rec : m.records()) {
      if (rec.section == Section::Answer && rec.type == RrType::CNAME) return slow_caa(owner, std::move(handler));
      if (rec.section == Section::Answer && rec.type == RrType::CAA && m.owner_is(rec, owner)) has_caa = true;
      if (rec.section == Section::Authority && rec.type == RrType::SOA && zone.empty()) zone = m.owner(rec, buf);
    }
    if (has_caa) {
      auto signer = dns::answer_signer(m, owner, RrType::CAA);
      if (!signer || !in_zone(owner, *signer)) return slow_caa(owner, std::move(handler));
      zone = std::move(*signer);
    } else if (zone.empty() || !in_zone(owner, zone)) {
      return slow_caa(owner, std::move(handler));
    }
    // The answer outlives this handler while the zone's trust is looked up.
    auto bytes = std::make_shared<std::vector<unsigned char>>(m.wire(), m.wire() + m.size());
    trust_->get(zone, [this, owner, has_caa, bytes, h = std::move(handler)](const std::shared_ptr<const dns::ZoneTrust>& t) mutable {
      Message copy;
      if (!copy.parse(bytes->data(), bytes->size())) return slow_caa(owner, std::move(h));
      const Reply reply{0, &copy, {}};
      if (t->security == dns::Security::Insecure) return h(reply, dns::Security::Insecure, std::string());
      if (t->security != dns::Security::Secure) return slow_caa(owner, std::move(h));
      ++stats_.proved_locally;
      const std::time_t now = std::time(nullptr);
      const bool proved = has_caa ? dns::answer_proved(copy, owner, RrType::CAA, *t->keys, now)
                                  : dns::denial_proved(copy, owner, RrType::CAA, *t->keys, now);
      if (!proved) return slow_caa(owner, std::move(h));
      h(reply, dns::Security::Secure, std::string());
    });
  }

  void slow_caa(const std::string& owner, dns::ValidatedHandler handler) {
    validator_->ask(owner, RrType::CAA, std::move(handler));
  }

  // ca-rule: dnssec-validate
  // An insecure zone's answers need no proof; a secure zone's must carry a valid signature of it.
  bool txt_proved(OwnerJob* o, const Message& m) {
    if (!o->trust || o->trust->security == dns::Security::Insecure) return o->trust != nullptr;
    if (o->trust->security != dns::Security::Secure) return false;
    // The servers of a zone answer alike: a copy of an answer already proved (the ID aside) is too.
    const std::string_view answer(reinterpret_cast<const char*>(m.wire()) + 2, m.size() - 2);
    if (answer == o->proved_answer) return true;
    ++stats_.proved_locally;
    if (!dns::answer_proved(m, o->current, RrType::TXT, *o->trust->keys, std::time(nullptr))) return false;
    o->proved_answer.assign(answer);
    return true;
  }

  // ca-rule: dns-every-server
  void on_zone_servers(OwnerJob* o, const dns::ZoneServers& zs) {
    if (!zs.error_code.empty()) return fail(o, zs.error_code, zs.error_detail);
    auto& answers = o->obs().answers;
    answers.resize(zs.servers.size());
    o->answers_left = zs.servers.size();
    for (std::size_t i = 0; i < zs.servers.size(); ++i) {
      answers[i].server = zs.servers[i].server;
      answers[i].ns_name = zs.servers[i].ns_name;
      if (!zs.servers[i].channel) {
        answers[i].rcode = "ERROR";
        --o->answers_left;
        continue;
      }
      loop_->send(zs.servers[i].channel, o->current, RrType::TXT,
                  [o, i](const Reply& r) { o->job->probe.on_txt(o, i, r); });
    }
    if (o->answers_left == 0) finish_owner(o);
  }

  bool resolver_failed(OwnerJob* o, RrType type, const std::string& name, const Reply& r) {
    const std::string code = dns::resolver_failure_code(r);
    if (code.empty()) return false;
    fail(o, code, dns::resolver_failure_detail(type, name, resolver_text(), options_.timeout_ms, r));
    return true;
  }

  void fail(OwnerJob* o, std::string code, std::string detail) {
    o->obs().error_code = std::move(code);
    o->obs().error_detail = std::move(detail);
    o->obs().answers.clear();
    finish_owner(o);
  }

  // ca-rule: dnssec-validate
  // With DNSSEC on, the TXT set that may decide is validated before the owner counts as done: proved
  // here against the zone's keys, or else (a CNAME on the way, a signature that does not verify, a
  // zone the validator could not settle) by the validating resolver, which says why it is bogus.
  void finish_owner(OwnerJob* o) {
    const auto& answers = o->obs().answers;
    const bool has_txt = std::any_of(answers.begin(), answers.end(), [](const TxtAnswer& a) { return !a.values.empty(); });
    if (!validator_ || !o->obs().error_code.empty() || !has_txt) return owner_done(o);
    if (o->obs().cnames.empty() && o->trust && o->proved) {
      o->obs().dnssec = dns::security_text(o->trust->security);
      return owner_done(o);
    }
    validator_->ask(o->obs().owner, RrType::TXT, [this, o](const Reply&, dns::Security security, const std::string& why) {
      o->obs().dnssec = dns::security_text(security);
      if (security == dns::Security::Bogus) o->obs().dnssec_detail = why;
      owner_done(o);
    });
  }

  void owner_done(OwnerJob* o) {
    NameJob& job = *o->job;
    if (--job.owners_left > 0) return;
    job.obs.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - job.started).count();
    auto done = std::move(job.done);
    DnsObservation obs = std::move(job.obs);
    release(job);  // before the callback, which may submit more
    if (done) done(std::move(obs));
  }

  void release(NameJob& job) {
    const std::size_t i = job.live_index;
    if (i + 1 != live_.size()) {
      std::swap(live_[i], live_.back());
      live_[i]->live_index = i;
    }
    live_.pop_back();
  }

  DnsProbeStats stats_;  // first member: per-name state released while tearing down still counts here
  DnsProbeOptions options_;
  std::deque<Pending> pending_;
  std::vector<std::unique_ptr<NameJob>> live_;  // started, not yet done
  std::unique_ptr<QueryLoop> loop_;
  QueryLoop::Channel* resolver_ = nullptr;
  std::unique_ptr<dns::ZoneServerCache> zones_;
  std::unique_ptr<dns::Validator> validator_;
  std::unique_ptr<dns::ZoneTrustCache> trust_;
  QueryLoop::Channel* resolver_signed_ = nullptr;  // the resolver, asked with DO (DNSSEC on)
  std::unique_ptr<dns::CaaLookup> caa_;
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
