// The DNS world the check tests probe, on loopback only:
//   ns1 = 127.0.0.2:P, ns2 = 127.0.0.3:P   two authoritative BIND servers (same port P) whose
//                                          contents differ where a fixture needs it;
//   resolver = 127.0.0.1:P2                a BIND authoritative for every zone below, answering
//                                          the probe's RD queries (CNAME, SOA, NS, A); logs queries.
// BIND listens only on interface addresses (lo has just 127.0.0.1 here), so ns1 and ns2 run on
// 127.0.0.1 at ports of their own and support/udp_relay forwards 127.0.0.2:P / 127.0.0.3:P to them.
// Zones (NS targets in brackets):
//   example.test, other.test   resolver, ns1, ns2   [ns1 -> 127.0.0.2, ns2 -> 127.0.0.3]
//   deadns.example.test        resolver, ns1        [ns1 -> 127.0.0.2, ns2 -> 127.0.0.4: nothing listens]
//   flaky.example.test         resolver, ns1; ns2's copy fails to load -> ns2 answers SERVFAIL
//   broken.example.test        resolver only, fails to load -> the resolver answers SERVFAIL
//   noaddr.example.test        resolver only      [ns.missing.example.test., which has no address]
//   test                       resolver only: the TLD, empty, where a CAA climb ends
// and, started on first use, a second resolver that knows no zone at all (FilteringResolver).
// SERVFAIL is made with zone files BIND cannot load (an unknown record type): BIND keeps running
// and answers SERVFAIL for every name in such a zone, deterministically and at once.
//
// Every fixture function makes a fresh name (tests sharing one fixture never collide), puts the
// given tokens in place and returns the name to submit. Tokens go to TXT at _dnsauth.<name>
// unless the function says otherwise.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

#include "dcvkit/check_dns.hpp"
#include "support/dns_server.hpp"
#include "support/temp_dir.hpp"
#include "support/udp_relay.hpp"

namespace dcvkit::test {

using TxtRecords = std::vector<std::vector<std::string>>;  // each TXT record as its strings

struct Placement {
  std::string zone = "example.test";  // the name is made directly under this zone
  TxtRecords on_ns1, on_ns2;          // TXT at _dnsauth.<name> (or <name> with at_base)
  bool at_base = false;
  bool a_record = false;              // <name> IN A 127.0.0.1 wherever the zone is served
  std::string label = "_dnsauth";     // the TXT owner is <label>.<name> unless at_base ("_acme-challenge")
};

// A recursive BIND that filters the way blocking resolvers do (a response policy zone with
// add-soa no): NXDOMAIN without any SOA for nozone.test, every name under it and the TLD test.
// Its only forwarder is a closed port, so it answers SERVFAIL for anything else, the root
// included. Whatever is asked of it, no answer names a zone: the probe's dns.no_zone.
class FilteringResolver {
 public:
  FilteringResolver();  // starts named and waits for its NXDOMAIN; throws if it does not come up
  ~FilteringResolver();
  FilteringResolver(const FilteringResolver&) = delete;
  FilteringResolver& operator=(const FilteringResolver&) = delete;

  std::string address() const { return "127.0.0.1"; }
  std::uint16_t port() const { return port_; }
  std::string server() const { return address() + ":" + std::to_string(port_); }

 private:
  bool answers() const;

  TempDir dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

class DnsFixture {
 public:
  DnsFixture();  // starts the three servers; throws if one does not come up
  // One for the whole test program, started on first use; a start that failed is reported by every
  // later call at once instead of being retried (20 s each).
  static DnsFixture& shared();

  // Options that point a DnsProbe at this world.
  DnsProbeOptions probe_options(int timeout_ms = 2000, std::size_t max_in_flight = 200) const;
  std::uint16_t ns_port() const { return ns_port_; }
  std::string ns1_server() const;  // "127.0.0.2:P"
  std::string ns2_server() const;  // "127.0.0.3:P"
  std::string dead_server() const; // "127.0.0.4:P"
  const DnsServer& resolver() const { return *resolver_; }
  // The BIND processes behind ns1/ns2 (on 127.0.0.1 at their own ports, see above).
  const DnsServer& ns1() const { return *ns1_; }
  const DnsServer& ns2() const { return *ns2_; }

  std::string place(const Placement& p);

  std::string token_on_both(const std::vector<std::string>& tokens);      // one TXT record per token
  std::string token_on_ns1_only(const std::vector<std::string>& tokens);  // ns2 has nothing there
  std::string token_at_base(const std::vector<std::string>& tokens);      // TXT at <name> on both
  // _dnsauth.<name> CNAME _dnsauth.<first label of name>.other.test, which holds the tokens.
  std::string token_via_cname(const std::vector<std::string>& tokens);
  static std::string cname_target(const std::string& name);
  std::string nonexistent();                                              // nothing anywhere: NXDOMAIN
  std::string a_record_only();                                            // <name> A, no TXT at all
  std::string tokens_in_one_record(const std::vector<std::string>& tokens, const std::string& separator = " ");
  std::string token_split(const std::string& token, std::size_t at);      // one record, two strings
  std::string token_with_dead_ns(const std::vector<std::string>& tokens); // in deadns.example.test
  std::string token_with_ns2_servfail(const std::vector<std::string>& tokens);  // in flaky.example.test
  std::string servfail_at_resolver();                                     // in broken.example.test
  std::string without_ns_address();                                    // in noaddr.example.test
  // In lame.test: the resolver delegates it to ns1/ns2, which serve nothing there -> REFUSED.
  std::string lame_delegation();
  std::string cname_loop();  // _dnsauth.<name> -> _dnsauth.<name>-b.example.test -> back
  // A name under nozone.test, and the resolver to ask about it (started on first use).
  std::string without_zone();
  const FilteringResolver& filtering_resolver();

 private:
  std::string fresh(const std::string& kind, const std::string& zone);
  std::vector<const DnsServer*> serving(const std::string& zone) const;

  std::uint16_t ns_port_ = 0;
  std::unique_ptr<DnsServer> resolver_, ns1_, ns2_;
  std::unique_ptr<UdpRelay> relay1_, relay2_;
  std::unique_ptr<FilteringResolver> filtering_;
  int counter_ = 0;
};

}  // namespace dcvkit::test
