// A real authoritative DNS server (BIND named or Knot knotd) for one test zone, on free loopback
// ports, in a temp dir, in the foreground; started and stopped by the test itself.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dcvkit::test {

enum class DnsImpl { Bind, Knot };
const char* to_string(DnsImpl impl);

// An NS of a zone: a name relative to the zone ("ns1", which also gets an A record there) or
// absolute with a trailing dot ("ns.other.test.", whose address lives elsewhere).
struct DnsNameserver {
  std::string name;
  std::string address;  // for relative names; ignored for absolute ones
};

// A further zone on the same server (BIND only).
struct DnsZoneConfig {
  std::string zone;
  std::vector<std::string> records;
  std::vector<DnsNameserver> nameservers;  // empty: ns1 -> the server's first address
  bool broken = false;                     // zone file that cannot load: BIND answers SERVFAIL in it
  std::string file_text;                   // non-empty: the zone file as is (a signed zone); the fields above unused
};

struct DnsServerConfig {
  DnsImpl impl = DnsImpl::Bind;
  std::string zone = "example.test";
  std::vector<std::string> records;               // zone-file lines after SOA/NS, e.g. "www IN A 127.0.0.1"
  std::vector<std::string> addresses = {"127.0.0.1"};
  std::uint16_t port = 0;                         // 0: pick a free one
  std::string tsig_name = "dcvkit-test";
  std::vector<DnsNameserver> nameservers;         // NS of `zone`; empty: ns1 -> addresses.front()
  std::vector<DnsZoneConfig> extra_zones;         // BIND only
  bool query_log = false;                         // BIND only: every query to server.log (see count_queries)
  // BIND only: its statistics channel (HTTP, JSON at /json/v1/server) on addresses.front():port,
  // for counting queries without the cost of a query log. 0: none.
  std::uint16_t statistics_port = 0;
};

class DnsServer {
 public:
  explicit DnsServer(DnsServerConfig config);  // starts and waits for an authoritative SOA answer
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  std::uint16_t port() const { return config_.port; }
  const std::string& address() const { return config_.addresses.front(); }
  std::string server() const { return address() + ":" + std::to_string(port()); }
  const std::string& zone() const { return config_.zone; }
  DnsImpl impl() const { return config_.impl; }
  // A BIND-format key file with the server's TSIG key, and one with a wrong secret.
  const std::string& key_file() const { return key_file_; }
  const std::string& wrong_key_file() const { return wrong_key_file_; }
  const std::string& dir() const { return dir_; }
  // "http://127.0.0.1:P/json/v1/server" when statistics_port is set, else "".
  std::string statistics_url() const;

  // TXT strings at `name` as `dig` (an independent client) sees them, sorted.
  std::vector<std::string> txt(const std::string& name) const;
  // Queries the server logged (query_log) whose log text contains "query: <what>", e.g.
  // "example.test IN NS". Independent of the client's own counting.
  std::size_t count_queries(const std::string& what) const;
  // Applies nsupdate commands ("update add x.example.test 60 TXT \"v\"") to `zone`, TSIG-signed.
  void update(const std::string& zone, const std::vector<std::string>& commands) const;
  void stop();

 private:
  void write_config(const std::string& secret);
  std::string bind_zone(const std::string& zone) const;
  bool answers_soa() const;

  DnsServerConfig config_;
  std::string dir_, key_file_, wrong_key_file_;
  pid_t pid_ = -1;
};

// A port free for both UDP and TCP on 127.0.0.1 right now, outside the kernel's ephemeral range,
// and never one this process was handed before.
std::uint16_t free_loopback_port();
// A port free for UDP and TCP on every one of `addresses` (all IPv4 loopback) right now.
std::uint16_t free_port_on(const std::vector<std::string>& addresses);

}  // namespace dcvkit::test
