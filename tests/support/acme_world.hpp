// The world `dcvkit acme` is tested and benchmarked in, on loopback only: a real BIND answering
// 127.0.0.1 for every name under example.test, a real nginx serving one webroot per host, and
// Debian's Pebble (EAB required, PEBBLE_VA_NOSLEEP=1) resolving names through that BIND and
// fetching http-01 from that nginx. Started by the constructor, stopped by the destructor.
#pragma once

#include <string>
#include <vector>

#include "support/dns_server.hpp"
#include "support/nginx_server.hpp"
#include "support/pebble_server.hpp"

namespace dcvkit::test {

class AcmeWorld {
 public:
  // `pebble`: how Pebble runs; its http_port and dns_server are this world's nginx and BIND.
  explicit AcmeWorld(PebbleOptions pebble = {});
  AcmeWorld(const AcmeWorld&) = delete;
  AcmeWorld& operator=(const AcmeWorld&) = delete;

  DnsServer& dns() { return dns_; }
  NginxServer& nginx() { return nginx_; }
  PebbleServer& pebble() { return pebble_; }
  // nginx's document root for `host` (created): what Pebble fetches http://host/... from.
  std::string webroot(const std::string& host) const;
  // The options naming this CA to dcvkit acme: --directory URL --ca-bundle FILE.
  std::vector<std::string> ca_args() const;

 private:
  DnsServer dns_;
  NginxServer nginx_;
  PebbleServer pebble_;
};

}  // namespace dcvkit::test
