#include "support/acme_world.hpp"

#include <filesystem>
#include <utility>

namespace dcvkit::test {
namespace {

DnsServerConfig every_name_here() {
  DnsServerConfig c;
  c.records = {"* IN A 127.0.0.1"};  // every name under example.test is this machine (nginx)
  return c;
}

PebbleOptions in_this_world(PebbleOptions p, const DnsServer& dns, const NginxServer& nginx) {
  p.http_port = nginx.http_port();
  p.dns_server = dns.server();
  return p;
}

}  // namespace

AcmeWorld::AcmeWorld(PebbleOptions pebble)
    : dns_(every_name_here()), pebble_(in_this_world(std::move(pebble), dns_, nginx_)) {}

std::string AcmeWorld::webroot(const std::string& host) const {
  std::string dir = nginx_.dir() + "/www/" + host;
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<std::string> AcmeWorld::ca_args() const {
  return {"--directory", pebble_.directory_url(), "--ca-bundle", pebble_.ca_bundle()};
}

}  // namespace dcvkit::test
