#include "check/dns_zone_servers.hpp"

#include <algorithm>
#include <set>

namespace dcvkit::dns {

std::string parent_of(const std::string& name) {
  const auto dot = name.find('.');
  return dot == std::string::npos ? std::string() : name.substr(dot + 1);
}

struct ZoneServerCache::Entry {
  bool settled = false;
  std::chrono::steady_clock::time_point settled_at;
  ZoneServers result;
  std::vector<std::function<void(const ZoneServers&)>> waiters;
  std::vector<std::string> ns_names;                          // sorted
  std::map<std::string, std::vector<std::string>> addresses;  // ns name -> addresses
  std::size_t pending = 0;
  std::string error_code, error_detail;  // first failed address lookup
};

std::string resolver_failure_code(const Reply& r) {
  if (!r.message) return r.malformed.empty() ? "dns.resolver_failed" : "dns.malformed_answer";
  const int rcode = r.message->rcode();
  if (rcode == 0 || rcode == 3) return {};
  // SERVFAIL: the resolver tried the zone's servers and failed, as the CA's resolvers would.
  // REFUSED, NOTIMP, FORMERR: this resolver will not resolve for us; the zone is not at fault.
  return rcode == 2 ? "dns.servfail" : "dns.resolver_failed";
}

std::string no_answer_text(int status, int timeout_ms) {
  // c-ares retries a truncated (TC) UDP answer over TCP: a refusal may come from either.
  if (status == ARES_ECONNREFUSED) return "connection refused (nothing listening on UDP, or on TCP after a truncated UDP answer)";
  if (status == ARES_ETIMEOUT) return "no answer within " + std::to_string(timeout_ms) + " ms";
  return ares_strerror(status);
}

std::string resolver_failure_detail(RrType type, const std::string& name, const std::string& server, int timeout_ms,
                                    const Reply& r) {
  std::string what = std::string(type_text(type)) + " query for " + (name.empty() ? "." : name) +
                     " to the local resolver " + server + " (--resolver)";
  if (r.message) return what + " returned " + rcode_text(r.message->rcode());
  if (!r.malformed.empty()) return what + ": the answer is malformed: " + std::string(r.malformed);
  return what + ": " + no_answer_text(r.status, timeout_ms);
}

ZoneServerCache::ZoneServerCache(QueryLoop& loop, QueryLoop::Channel* resolver, std::uint16_t ns_port, int timeout_ms,
                                 bool dnssec_ok)
    : loop_(loop), resolver_(resolver), ns_port_(ns_port), timeout_ms_(timeout_ms), dnssec_ok_(dnssec_ok) {}

ZoneServerCache::~ZoneServerCache() = default;

void ZoneServerCache::get(std::string_view zone, std::function<void(const ZoneServers&)> then) {
  if (auto it = entries_.find(zone); it != entries_.end()) {
    if (!it->second->settled) return it->second->waiters.push_back(std::move(then));
    if (still_fresh(it->second->settled_at)) return then(it->second->result);
    entries_.erase(it);
  }
  auto e = std::make_shared<Entry>();
  e->waiters.push_back(std::move(then));
  std::string name(zone);
  entries_.emplace(name, e);
  loop_.send(resolver_, name.empty() ? "." : name, RrType::NS, [this, name, e](const Reply& r) { on_ns(name, e, r); });
}

void ZoneServerCache::on_ns(const std::string& zone, const std::shared_ptr<Entry>& e, const Reply& r) {
  const std::string& resolver = QueryLoop::server_of(resolver_);
  if (auto code = resolver_failure_code(r); !code.empty())
    return settle(zone, e, {{}, code, resolver_failure_detail(RrType::NS, zone, resolver, timeout_ms_, r)});
  const Message& m = *r.message;
  std::set<std::string> names;
  for (const auto& rec : m.records())
    if (rec.section == Section::Answer && rec.type == RrType::NS && m.owner_is(rec, zone))
      if (auto target = m.target(rec); !target.empty()) names.insert(std::move(target));
  if (names.empty())
    return settle(zone, e, {{}, "dns.no_ns", "NS query for " + zone + " to resolver " + resolver + " returned " +
                                                  rcode_text(m.rcode()) + " without NS records"});
  e->ns_names.assign(names.begin(), names.end());
  std::vector<std::string> unglued;
  for (const auto& ns : e->ns_names) {
    for (const auto& rec : m.records())
      if (rec.section == Section::Additional && (rec.type == RrType::A || rec.type == RrType::AAAA) && m.owner_is(rec, ns))
        e->addresses[ns].push_back(m.address(rec));
    if (!e->addresses.count(ns)) unglued.push_back(ns);
  }
  e->pending = unglued.size() * 2;
  for (const auto& ns : unglued)
    for (RrType t : {RrType::A, RrType::AAAA})
      loop_.send(resolver_, ns, t, [this, zone, e, ns, t](const Reply& ar) {
        on_address(e, ns, t, ar);
        if (--e->pending == 0) finish(zone, e);
      });
  if (e->pending == 0) finish(zone, e);
}

void ZoneServerCache::on_address(const std::shared_ptr<Entry>& e, const std::string& ns, RrType type, const Reply& r) {
  if (auto code = resolver_failure_code(r); !code.empty()) {
    if (e->error_code.empty()) {
      e->error_code = code;
      e->error_detail = resolver_failure_detail(type, ns, QueryLoop::server_of(resolver_), timeout_ms_, r);
    }
    return;
  }
  // Any owner: the NS name may itself be an alias, and the resolver answers with the whole chain.
  const Message& m = *r.message;
  for (const auto& rec : m.records())
    if (rec.section == Section::Answer && rec.type == type) e->addresses[ns].push_back(m.address(rec));
}

void ZoneServerCache::finish(const std::string& zone, const std::shared_ptr<Entry>& e) {
  if (!e->error_code.empty()) return settle(zone, e, {{}, e->error_code, e->error_detail});
  ZoneServers result;
  std::set<std::string> seen;
  for (const auto& ns : e->ns_names)
    for (const auto& addr : e->addresses[ns])
      if (seen.insert(addr).second) {
        auto channel = loop_.channel(addr, ns_port_, false, dnssec_ok_);
        result.servers.push_back({addr, ns, server_text(addr, ns_port_), channel ? *channel : nullptr});
      }
  if (result.servers.empty()) {
    std::string list;
    for (const auto& ns : e->ns_names) list += (list.empty() ? "" : ", ") + ns;
    return settle(zone, e, {{}, "dns.no_ns", "no NS of " + zone + " (" + list + ") has an address at resolver " +
                                                  QueryLoop::server_of(resolver_)});
  }
  settle(zone, e, std::move(result));
}

void ZoneServerCache::settle(const std::string& zone, const std::shared_ptr<Entry>& e, ZoneServers result) {
  e->settled = true;
  e->settled_at = std::chrono::steady_clock::now();
  e->result = std::move(result);
  e->addresses.clear();
  auto waiters = std::move(e->waiters);
  e->waiters.clear();
  // A timeout may be passing: names submitted later ask again instead of inheriting it.
  if (e->result.error_code == "dns.resolver_failed") {
    if (auto it = entries_.find(zone); it != entries_.end() && it->second == e) entries_.erase(it);
  }
  for (auto& w : waiters) w(e->result);
}

}  // namespace dcvkit::dns
