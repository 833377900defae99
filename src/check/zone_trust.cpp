#include "check/zone_trust.hpp"

#include "check/dns_zone_servers.hpp"

namespace dcvkit::dns {

void ZoneTrustCache::get(const std::string& zone, std::function<void(const std::shared_ptr<const ZoneTrust>&)> then) {
  if (auto it = entries_.find(zone); it != entries_.end()) {
    if (!it->second->settled) return it->second->waiters.push_back(std::move(then));
    if (still_fresh(it->second->settled_at)) return then(it->second->trust);
    entries_.erase(it);
  }
  auto e = std::make_shared<Entry>();
  e->waiters.push_back(std::move(then));
  entries_.emplace(zone, e);
  validator_.ask(zone.empty() ? "." : zone, RrType::DNSKEY, [this, zone, e](const Reply& r, Security security, const std::string&) {
    auto trust = std::make_shared<ZoneTrust>();
    trust->security = security;
    if (security == Security::Secure) {
      trust->keys = r.message ? ZoneKeys::from_answer(r.message->wire(), r.message->size(), zone) : nullptr;
      // Secure without a key (no zone apex here after all): nothing to check answers against.
      if (!trust->keys) trust->security = Security::Unchecked;
    }
    e->trust = std::move(trust);
    e->settled = true;
    e->settled_at = std::chrono::steady_clock::now();
    // No verdict (the validator gave up): the next name asks again instead of inheriting it.
    if (e->trust->security == Security::Unchecked)
      if (auto it = entries_.find(zone); it != entries_.end() && it->second == e) entries_.erase(it);
    auto waiters = std::move(e->waiters);
    e->waiters.clear();
    for (auto& w : waiters) w(e->trust);
  });
}

}  // namespace dcvkit::dns
