// The authoritative server addresses of a zone (NS via the resolver, then A/AAAA unless glue came
// along), looked up once per zone and shared: 10,000 names in one zone cost one NS query.
// Concurrent requests for a zone still being looked up wait for that one lookup.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "check/dns_query_loop.hpp"

namespace dcvkit::dns {

// How long a looked-up delegation or CAA set is reused. A check service lives for a whole run and
// re-checks failing names for minutes: a zone delegated or a CAA record fixed meanwhile is seen at
// the next look-up after this, as the CA sees it at order time.
inline constexpr std::chrono::seconds kLookupMaxAge{60};
inline bool still_fresh(std::chrono::steady_clock::time_point settled_at) {
  return std::chrono::steady_clock::now() - settled_at < kLookupMaxAge;
}

// "a.b.c" -> "b.c"; "" for a single label (the climb stops below the root).
std::string parent_of(const std::string& name);

struct AuthServer {
  std::string host;     // address literal
  std::string ns_name;  // the NS name it was found under (the first, if several share it)
  std::string server;   // "host:ns_port", as observations name it
  QueryLoop::Channel* channel = nullptr;  // non-recursive, to host:ns_port; null: c-ares refused it
};

struct ZoneServers {
  std::vector<AuthServer> servers;  // ordered by NS name, then answer order; one per address
  std::string error_code;           // "dns.timeout", "dns.servfail", "dns.no_ns"; empty: ok
  std::string error_detail;
};

class ZoneServerCache {
 public:
  // `dnssec_ok`: the servers' channels ask with DO, so their answers carry the zone's signatures.
  ZoneServerCache(QueryLoop& loop, QueryLoop::Channel* resolver, std::uint16_t ns_port, int timeout_ms, bool dnssec_ok = false);
  ~ZoneServerCache();
  // Calls `then` once: at once if known, else when the lookup ends.
  void get(std::string_view zone, std::function<void(const ZoneServers&)> then);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry;
  void on_ns(const std::string& zone, const std::shared_ptr<Entry>& e, const Reply& r);
  void on_address(const std::shared_ptr<Entry>& e, const std::string& ns, RrType type, const Reply& r);
  void finish(const std::string& zone, const std::shared_ptr<Entry>& e);
  void settle(const std::string& zone, const std::shared_ptr<Entry>& e, ZoneServers result);

  QueryLoop& loop_;
  QueryLoop::Channel* resolver_;
  std::uint16_t ns_port_;
  int timeout_ms_;
  bool dnssec_ok_;
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> entries_;
};

// Shared wording for "the resolver did not give a usable answer", so every step reports alike.
// Empty code: the reply is usable (NOERROR or NXDOMAIN). The resolver is the local one dcvkit asks
// (--resolver), not the zone's: a refusal or silence from it says nothing about the zone, and gets
// its own code (dns.resolver_failed) so no hint blames the zone's nameservers.
std::string resolver_failure_code(const Reply& r);
std::string resolver_failure_detail(RrType type, const std::string& name, const std::string& server, int timeout_ms,
                                    const Reply& r);
// Why no answer came: "no answer within 3000 ms", "connection refused (nothing listening)", ...
std::string no_answer_text(int status, int timeout_ms);

}  // namespace dcvkit::dns
