// A real PowerDNS Authoritative server (pdns_server, gsqlite3 backend) with its HTTP API, on free
// loopback ports, in a temp dir, in the foreground; the test zone is created with pdnsutil.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dcvkit::test {

struct PdnsServerConfig {
  std::vector<std::string> zones = {"example.test"};
  // "name TTL TYPE content" lines for pdnsutil add-record, e.g. {"_dnsauth.shop.example.test", "TXT", "\"x\""}.
  struct Record {
    std::string zone, name, type, content;
  };
  std::vector<Record> records;
};

class PdnsServer {
 public:
  explicit PdnsServer(PdnsServerConfig config = {});  // starts; waits for SOA over DNS and the API
  ~PdnsServer();
  PdnsServer(const PdnsServer&) = delete;
  PdnsServer& operator=(const PdnsServer&) = delete;

  std::uint16_t dns_port() const { return dns_port_; }
  std::string api_url() const { return "http://127.0.0.1:" + std::to_string(api_port_); }
  const std::string& key_file() const { return key_file_; }        // the right API key
  const std::string& wrong_key_file() const { return wrong_key_file_; }
  const std::string& dir() const { return dir_; }
  // TXT strings at `name` as dig sees them over DNS, sorted.
  std::vector<std::string> txt(const std::string& name) const;

 private:
  std::string dir_, key_file_, wrong_key_file_;
  std::uint16_t dns_port_ = 0, api_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace dcvkit::test
