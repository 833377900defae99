#include "support/acme_world.hpp"

#include <filesystem>

namespace dcvkit::test {
namespace {

DnsServerConfig every_name_here() {
  DnsServerConfig c;
  c.records = {"* IN A 127.0.0.1"};  // every name under example.test is this machine (nginx)
  return c;
}

PebbleOptions pebble_options(const DnsServer& dns, const NginxServer& nginx, int nonce_reject_percent, int alternate_roots) {
  PebbleOptions p;
  p.alternate_roots = alternate_roots;
  p.http_port = nginx.http_port();
  p.dns_server = dns.server();
  p.nonce_reject_percent = nonce_reject_percent;
  return p;
}

}  // namespace

AcmeWorld::AcmeWorld(int nonce_reject_percent, int alternate_roots)
    : dns_(every_name_here()), pebble_(pebble_options(dns_, nginx_, nonce_reject_percent, alternate_roots)) {}

std::string AcmeWorld::webroot(const std::string& host) const {
  std::string dir = nginx_.dir() + "/www/" + host;
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<std::string> AcmeWorld::ca_args() const {
  return {"--directory", pebble_.directory_url(), "--ca-bundle", pebble_.ca_bundle()};
}

}  // namespace dcvkit::test
