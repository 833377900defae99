#include "check/caa_lookup.hpp"

#include "check/dns_zone_servers.hpp"
#include "dcvkit/names.hpp"

namespace dcvkit::dns {
namespace {

// Owners kept at once: enough for every parent of a large batch; past it the settled ones go, so
// memory stays flat on an endless input.
constexpr std::size_t kMaxCached = 50000;
constexpr std::size_t kMaxCnameHops = 8;

}  // namespace

void CaaLookup::check(const std::string& name, std::function<void(CaaObservation)> done) {
  auto climb = std::make_shared<Climb>();
  climb->obs.name = name;
  climb->done = std::move(done);
  step(climb, std::string(wildcard_base(name)));
}

// ca-rule: caa-climb, caa-lookup-failure, caa-cache
void CaaLookup::step(const std::shared_ptr<Climb>& climb, const std::string& owner) {
  climb->obs.asked.push_back(owner);
  get(owner, [this, climb, owner](const OwnerSet& set) {
    CaaObservation& o = climb->obs;
    if (!set.error_code.empty() || !set.records.empty()) {
      o.owner = owner;
      o.via = set.via;
      o.records = set.records;
      o.error_code = set.error_code;
      o.error_detail = set.error_detail;
      return climb->done(std::move(o));
    }
    // Up to the TLD, never the root (RFC 8659 3).
    const std::string parent = parent_of(owner);
    if (parent.empty()) return climb->done(std::move(o));
    step(climb, parent);
  });
}

void CaaLookup::get(const std::string& owner, std::function<void(const OwnerSet&)> then) {
  if (auto it = cache_.find(owner); it != cache_.end()) {
    if (!it->second->settled) return it->second->waiters.push_back(std::move(then));
    if (still_fresh(it->second->settled_at)) return then(it->second->set);
    cache_.erase(it);
  }
  if (cache_.size() >= kMaxCached) std::erase_if(cache_, [](const auto& kv) { return kv.second->settled; });
  auto e = std::make_shared<Entry>();
  e->waiters.push_back(std::move(then));
  cache_.emplace(owner, e);
  ask_(owner, [this, owner, e](const Reply& r, Security security, const std::string& why) {
    e->set = read(owner, r, security, why);
    e->settled = true;
    e->settled_at = std::chrono::steady_clock::now();
    // A timeout may pass: later names ask again instead of inheriting it.
    if (e->set.error_code == "caa.lookup_failed" && !r.message)
      if (auto it = cache_.find(owner); it != cache_.end() && it->second == e) cache_.erase(it);
    auto waiters = std::move(e->waiters);
    e->waiters.clear();
    for (auto& w : waiters) w(e->set);
  });
}

// ca-rule: caa-cname
CaaLookup::OwnerSet CaaLookup::read(const std::string& owner, const Reply& r, Security security, const std::string& why) const {
  OwnerSet out;
  if (security == Security::Bogus) {
    out.error_code = "dns.dnssec_bogus";
    out.error_detail = "the CAA answer for " + owner + " fails DNSSEC validation: " + why;
    return out;
  }
  if (!resolver_failure_code(r).empty()) {
    out.error_code = "caa.lookup_failed";
    out.error_detail = resolver_failure_detail(RrType::CAA, owner, resolver_, timeout_ms_, r) +
                       " (the CA does not issue when a CAA lookup fails)";
    return out;
  }
  const Message& m = *r.message;
  std::string current = owner;
  for (std::size_t hop = 0; hop < kMaxCnameHops; ++hop) {
    bool moved = false;
    for (const RecordRef& rec : m.records())
      if (rec.section == Section::Answer && rec.type == RrType::CNAME && m.owner_is(rec, current)) {
        current = m.target(rec);
        moved = true;
        break;
      }
    if (!moved) break;
  }
  for (const RecordRef& rec : m.records())
    if (rec.section == Section::Answer && rec.type == RrType::CAA && m.owner_is(rec, current)) {
      auto caa = m.caa(rec);
      out.records.push_back(CaaRecord{caa.flags, std::move(caa.tag), std::move(caa.value)});
    }
  if (current != owner) out.via = current;
  return out;
}

}  // namespace dcvkit::dns
