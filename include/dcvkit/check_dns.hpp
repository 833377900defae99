// What the CA's DNS check sees for a name: asynchronous (c-ares), following CNAMEs through a
// recursive resolver, then asking EVERY authoritative nameserver of the zone directly.
// Raw observations only; check.hpp turns them into a verdict.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dcvkit/check_caa.hpp"
#include "dcvkit/error.hpp"
#include "dcvkit/net.hpp"

namespace dcvkit {

// DNSSEC validation of the answers that decide (the TXT holding the token, every CAA lookup), as
// the CA does since 2026-03-15: through the resolver, from a trust anchor.
struct DnssecOptions {
  bool enabled = false;  // the library leaves it to the caller; the CLI validates by default
  std::string trust_anchor_file = "/usr/share/dns/root.key";  // Debian dns-root-data: the IANA root
  // When validation cannot start (the resolver strips DNSSEC records, cannot give the anchor's
  // keys, or does not answer): `required` makes that the probe's error (dns.dnssec_unavailable);
  // otherwise the probe checks without validation and tells `on_unavailable` why, once.
  bool required = true;
  std::function<void(const Error&)> on_unavailable;
};

struct DnsProbeOptions {
  HostPort resolver{"127.0.0.1", 53};  // recursive resolver: CNAMEs, the zone (SOA), its NS and their addresses
  std::uint16_t ns_port = 53;          // port of the authoritative servers (--ns-port)
  int timeout_ms = 3000;               // per query, all tries included
  std::size_t max_in_flight = 200;     // queries in flight at once (beyond ~500 a loopback server drops)
  DnssecOptions dnssec;
};

// One authoritative server's answer for one owner name.
struct TxtAnswer {
  std::string server;               // "127.0.0.2:5300"
  std::string ns_name;              // "ns1.example.test"
  // "NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED", ..., "TIMEOUT" (no usable answer: `problem` says
  // what happened), or "MALFORMED" (an answer that is not a well-formed DNS message: `problem` says why).
  std::string rcode;
  std::vector<std::string> values;  // each TXT record with its strings joined, in answer order
  // The same records as the CA's library renders them ("s1" "s2": each string quoted, separated by
  // a space), which is the text it scans. Empty: judge `values` (observations made by hand).
  std::vector<std::string> rendered;
  bool not_authoritative = false;   // NOERROR/NXDOMAIN without the AA bit: a referral, or a server without the zone
  std::string problem;              // for TIMEOUT and MALFORMED
};

struct OwnerObservation {
  std::string owner;                // as planned: "_dnsauth.shop.example.test" or "shop.example.test"
  std::vector<std::string> cnames;  // CNAME targets followed, in order (empty: none)
  std::string queried;              // the name finally asked at the authoritative servers
  std::string zone;                 // the zone that name is in
  // Set when the authoritative servers could not be asked at all:
  // "dns.timeout", "dns.servfail", "dns.no_zone" (no SOA found), "dns.no_ns", "dns.cname_loop",
  // "dns.malformed_answer", "dns.resolver_failed" (the local resolver refused, or cannot be reached).
  std::string error_code;
  std::string error_detail;         // for a person: which query, to which server, what came back
  std::vector<TxtAnswer> answers;   // one per authoritative server address
  // With DNSSEC on, for an owner whose servers returned TXT: the validating resolver's verdict on
  // that TXT set. Empty: not validated (off, or nothing to validate).
  std::string dnssec;               // "secure", "insecure", "bogus"
  std::string dnssec_detail;        // why it is bogus, as the validator says
};

struct DnsObservation {
  std::string name;                     // canonical; a wildcard is probed at its base name
  std::vector<OwnerObservation> owners; // [_dnsauth.<base>, <base>]: the order the CA checks them
  double elapsed_ms = 0;
};

class DnsProbe {
 public:
  static Result<std::unique_ptr<DnsProbe>> create(const DnsProbeOptions& options);
  virtual ~DnsProbe() = default;
  // Queues a name. `done` runs on the thread inside run(), and may submit more names.
  virtual void submit(std::string name, std::function<void(DnsObservation)> done) = 0;
  // Queues a name to be probed at one owner only (ACME dns-01: "_acme-challenge.<base>"): the
  // observation's `owners` holds that one, probed exactly as above.
  virtual void submit_owner(std::string name, std::string owner, std::function<void(DnsObservation)> done) = 0;
  // Queues a CAA lookup for a name (RFC 8659: climbing from the name towards the root), cached
  // per owner across the names of the batch. `done` runs like submit's.
  virtual void submit_caa(std::string name, std::function<void(CaaObservation)> done) = 0;
  // Works until nothing is queued or in flight.
  virtual void run() = 0;
};

}  // namespace dcvkit
