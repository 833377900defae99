// Test-only view into a DnsProbe's bookkeeping: lets tests prove the NS cache (one NS query per
// zone), the in-flight cap and that per-name state is released, without parsing server logs.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "dcvkit/check_dns.hpp"

namespace dcvkit {

struct DnsProbeStats {
  std::size_t queries_sent = 0;
  std::map<std::string, std::size_t> sent_by_type;  // "NS" -> 1
  std::size_t max_in_flight_seen = 0;
  std::size_t live_names = 0;      // names started and not yet released
  std::size_t max_live_names = 0;
  std::size_t channels = 0;        // c-ares channels: resolver + one per authoritative address
  std::size_t cached_zones = 0;
  std::size_t cached_caa_owners = 0;  // CAA answers kept for the batch
  std::size_t validated = 0;          // queries asked through the validating resolver (DNSSEC)
  std::size_t proved_locally = 0;     // answers whose signatures were checked here against the zone's keys
};

// Zero-filled for a DnsProbe that did not come from DnsProbe::create.
DnsProbeStats dns_probe_stats(const DnsProbe& probe);

}  // namespace dcvkit
