// The DNS world of the CAA and DNSSEC tests, on loopback: one BIND that is both the resolver the
// probe asks and the authoritative server of every zone (ns1.<zone> -> 127.0.0.1, same port):
//   test             the TLD, empty: a climb ends here
//   caa.test         CAA records for each RFC 8659 rule, one owner per rule (see caa_world.cpp)
//   plain.test       no CAA anywhere
//   broken.test      fails to load: SERVFAIL for every name (caa.lookup_failed)
//   signed.test      signed with dnssec-signzone (valid window)           } trust_anchor() holds
//   bogus.test       signed with a signature window in the past (bogus)   } the zones' keys
//   tampered.test    signed, then its TXT value changed: that RRSIG fails  }
// signed.test and bogus.test carry CAA 0 issue "digicert.com" at the apex and the token as TXT at
// _dnsauth.www; so does caa.test at _dnsauth.www.
#pragma once

#include <memory>
#include <string>

#include "dcvkit/check_dns.hpp"
#include "support/dns_server.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit::test {

class CaaWorld {
 public:
  explicit CaaWorld(std::string token);
  DnsProbeOptions probe_options() const;
  std::string resolver() const { return server_->server(); }
  std::uint16_t port() const { return server_->port(); }
  const std::string& trust_anchor() const { return trust_anchor_; }  // DNSKEY lines of both signed zones
  const DnsServer& server() const { return *server_; }

 private:
  TempDir keys_;
  std::string trust_anchor_;
  std::unique_ptr<DnsServer> server_;
};

}  // namespace dcvkit::test
