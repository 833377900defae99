#include "support/dns_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/dig.hpp"
#include "support/run.hpp"

extern char** environ;

namespace dcvkit::test {
namespace {

std::string random_base64_secret() {
  auto r = run_program({"/usr/bin/openssl", "rand", "-base64", "32"});
  std::string s = r.out;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (r.exit_code != 0 || s.empty()) throw std::runtime_error("openssl rand failed");
  return s;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string bind_key(const std::string& name, const std::string& secret) {
  return "key \"" + name + "\" {\n\talgorithm hmac-sha256;\n\tsecret \"" + secret + "\";\n};\n";
}

std::string find_program(const std::vector<std::string>& candidates) {
  for (const auto& c : candidates)
    if (::access(c.c_str(), X_OK) == 0) return c;
  throw std::runtime_error("not installed: " + candidates.front() + " (run tools/install-deps.sh)");
}

std::string zone_text(const std::string& zone, const std::vector<std::string>& records,
                      std::vector<DnsNameserver> nameservers, const std::string& default_address, bool broken) {
  if (nameservers.empty()) nameservers.push_back({"ns1", default_address});
  auto absolute = [&](const std::string& n) { return n.ends_with('.') ? n : n + "." + zone + "."; };
  std::string text = "$TTL 60\n@ IN SOA " + absolute(nameservers.front().name) + " hostmaster." + zone +
                     ". 1 60 60 600 60\n";
  for (const auto& ns : nameservers) text += "@ IN NS " + absolute(ns.name) + "\n";
  for (const auto& ns : nameservers)
    if (!ns.name.ends_with('.')) text += ns.name + " IN A " + ns.address + "\n";
  for (const auto& r : records) text += r + "\n";
  // Not a record type: the zone fails to load and BIND answers SERVFAIL for every name in it.
  if (broken) text += "@ IN NOSUCHTYPE broken\n";
  return text;
}

bool port_free_on(const std::string& address, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (::inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1) return false;
  bool ok = true;
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    int s = ::socket(AF_INET, type, 0);
    int one = 1;
    if (type == SOCK_STREAM) ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ok = ok && ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
  }
  return ok;
}

}  // namespace

std::uint16_t free_port_on(const std::vector<std::string>& addresses) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const std::uint16_t port = free_loopback_port();
    if (std::all_of(addresses.begin(), addresses.end(), [&](const std::string& a) { return port_free_on(a, port); }))
      return port;
  }
  throw std::runtime_error("no port free on all requested loopback addresses");
}

const char* to_string(DnsImpl impl) { return impl == DnsImpl::Bind ? "bind" : "knot"; }

namespace {

// The ports server picks come from: not the kernel's ephemeral range, from which every outgoing
// connection of every process takes its local port, so a port picked there (by binding port 0)
// can be taken by some test's client between the pick and the server's bind ("Address already in
// use" in CI). Below that range when there is room (1000 ports or more above 20000), else above it.
std::pair<int, int> server_port_range() {
  constexpr int kLowest = 20000;
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int ephemeral_lo = 32768, ephemeral_hi = 60999;
  in >> ephemeral_lo >> ephemeral_hi;
  if (ephemeral_lo - kLowest > 1000) return {kLowest, ephemeral_lo - 1};
  return {ephemeral_hi + 1, 65535};
}

}  // namespace

std::uint16_t free_loopback_port() {
  static const auto [lo, hi] = server_port_range();
  // Never the same port twice in one process: the caller may not have bound the last one yet.
  static std::mutex mutex;
  static std::set<std::uint16_t> handed_out;
  static std::mt19937 random{std::random_device{}() ^ static_cast<unsigned>(::getpid())};
  std::lock_guard lock(mutex);
  for (int attempt = 0; attempt < 200 && lo < hi; ++attempt) {
    const auto port = static_cast<std::uint16_t>(std::uniform_int_distribution<int>(lo, hi)(random));
    if (handed_out.contains(port) || !port_free_on("127.0.0.1", port)) continue;
    handed_out.insert(port);
    return port;
  }
  throw std::runtime_error("no free loopback port in " + std::to_string(lo) + "-" + std::to_string(hi));
}

DnsServer::DnsServer(DnsServerConfig config) : config_(std::move(config)) {
  char tmpl[] = "/tmp/dcvkit-dns-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
  dir_ = tmpl;
  if (config_.port == 0) config_.port = free_loopback_port();
  const std::string secret = random_base64_secret();
  key_file_ = dir_ + "/tsig.key";
  wrong_key_file_ = dir_ + "/wrong-tsig.key";
  write_file(key_file_, bind_key(config_.tsig_name, secret));
  write_file(wrong_key_file_, bind_key(config_.tsig_name, random_base64_secret()));
  write_config(secret);

  std::vector<std::string> argv;
  if (config_.impl == DnsImpl::Bind)
    argv = {find_program({"/usr/sbin/named"}), "-g", "-n", "1", "-c", dir_ + "/named.conf"};
  else
    argv = {find_program({"/usr/sbin/knotd"}), "-c", dir_ + "/knot.conf"};
  pid_ = spawn_logged(argv, dir_ + "/server.log");

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!answers_soa()) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::ifstream log(dir_ + "/server.log");
      std::stringstream ss;
      ss << log.rdbuf();
      throw std::runtime_error(std::string(to_string(config_.impl)) + " exited at start:\n" + ss.str());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error(std::string(to_string(config_.impl)) + " did not answer SOA within 20 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
}

DnsServer::~DnsServer() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void DnsServer::stop() {
  stop_process(pid_, 3000);
  pid_ = -1;
}

std::string DnsServer::bind_zone(const std::string& zone) const {
  return "zone \"" + zone + "\" {\n type primary;\n file \"" + dir_ + "/" + zone + ".zone\";\n allow-update { key \"" +
         config_.tsig_name + "\"; };\n};\n";
}

void DnsServer::write_config(const std::string& secret) {
  const std::string main_zone =
      zone_text(config_.zone, config_.records, config_.nameservers, config_.addresses.front(), false);
  if (config_.impl != DnsImpl::Bind && (!config_.extra_zones.empty() || config_.query_log || config_.statistics_port))
    throw std::runtime_error("extra zones, query logging and statistics are implemented for BIND only");
  const std::string port = std::to_string(config_.port);
  if (config_.impl == DnsImpl::Bind) {
    write_file(dir_ + "/" + config_.zone + ".zone", main_zone);
    std::string zones = bind_zone(config_.zone);
    for (const auto& z : config_.extra_zones) {
      write_file(dir_ + "/" + z.zone + ".zone", !z.file_text.empty() ? z.file_text
                                                : zone_text(z.zone, z.records, z.nameservers, config_.addresses.front(), z.broken));
      zones += bind_zone(z.zone);
    }
    std::string listen;
    for (const auto& a : config_.addresses) listen += a + "; ";
    const std::string statistics =
        config_.statistics_port == 0 ? "" : "statistics-channels { inet " + config_.addresses.front() + " port " +
                                                std::to_string(config_.statistics_port) + " allow { 127.0.0.0/8; }; };\n";
    write_file(dir_ + "/named.conf",
               "options {\n directory \"" + dir_ + "\";\n listen-on port " + port + " { " + listen +
                   "};\n listen-on-v6 { none; };\n pid-file none;\n session-keyfile none;\n recursion no;\n"
                   " dnssec-validation no;\n notify no;\n" + (config_.query_log ? " querylog yes;\n" : "") +
                   "};\ncontrols { };\n" + statistics + bind_key(config_.tsig_name, secret) + zones);
  } else {
    write_file(dir_ + "/" + config_.zone + ".zone", main_zone);
    std::filesystem::create_directories(dir_ + "/db");
    std::string listen;
    for (const auto& a : config_.addresses) listen += "    listen: " + a + "@" + port + "\n";
    write_file(dir_ + "/knot.conf",
               "server:\n    rundir: \"" + dir_ + "\"\n" + listen + "database:\n    storage: \"" + dir_ +
                   "/db\"\nkey:\n  - id: " + config_.tsig_name + "\n    algorithm: hmac-sha256\n    secret: " + secret +
                   "\nacl:\n  - id: update\n    key: " + config_.tsig_name +
                   "\n    action: update\ntemplate:\n  - id: default\n    storage: \"" + dir_ +
                   "\"\n    file: \"%s.zone\"\n    semantic-checks: off\nzone:\n  - domain: " + config_.zone +
                   "\n    acl: update\nlog:\n  - target: stderr\n    any: info\n");
  }
}

bool DnsServer::answers_soa() const {
  auto r = run_program({"/usr/bin/dig", "@" + address(), "-p", std::to_string(port()), "SOA", config_.zone, "+norec",
                        "+time=1", "+tries=1"});
  return r.exit_code == 0 && r.out.find("status: NOERROR") != std::string::npos &&
         r.out.find(" aa") != std::string::npos;
}

std::vector<std::string> dig_txt(const std::string& address, std::uint16_t port, const std::string& name) {
  auto r = run_program({"/usr/bin/dig", "@" + address, "-p", std::to_string(port), "TXT", name, "+short", "+norec",
                        "+time=2", "+tries=2"});
  std::vector<std::string> values;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    // dig prints "a" "b" for a multi-string TXT: the CA joins the strings.
    std::string joined;
    bool inside = false;
    for (char c : line) {
      if (c == '"') inside = !inside;
      else if (inside) joined += c;
    }
    if (!line.empty()) values.push_back(joined);
  }
  std::sort(values.begin(), values.end());
  return values;
}

std::vector<std::string> DnsServer::txt(const std::string& name) const { return dig_txt(address(), port(), name); }

std::string DnsServer::statistics_url() const {
  if (config_.statistics_port == 0) return "";
  return "http://" + address() + ":" + std::to_string(config_.statistics_port) + "/json/v1/server";
}

std::size_t DnsServer::count_queries(const std::string& what) const {
  std::ifstream log(dir_ + "/server.log");
  const std::string needle = "query: " + what + " ";
  std::size_t n = 0;
  for (std::string line; std::getline(log, line);)
    if (line.find(needle) != std::string::npos) ++n;
  return n;
}

void DnsServer::update(const std::string& zone, const std::vector<std::string>& commands) const {
  std::string script = "server " + address() + " " + std::to_string(port()) + "\nzone " + zone + "\n";
  for (const auto& c : commands) script += c + "\n";
  script += "send\n";
  RunOptions o;
  o.stdin_data = script;
  auto r = run_program({"/usr/bin/nsupdate", "-k", key_file_, "-t", "5"}, o);
  if (r.exit_code != 0) throw std::runtime_error("nsupdate failed at " + server() + ":\n" + script + r.all());
}

}  // namespace dcvkit::test
