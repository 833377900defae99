#include "support/pdns_server.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/dig.hpp"
#include "support/dns_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit::test {
namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string require(const std::string& program) {
  if (::access(program.c_str(), X_OK) != 0)
    throw std::runtime_error("not installed: " + program + " (run tools/install-deps.sh)");
  return program;
}

std::string random_key() {
  auto r = run_program({"/usr/bin/openssl", "rand", "-hex", "24"});
  std::string s = r.out.substr(0, r.out.find('\n'));
  if (r.exit_code != 0 || s.empty()) throw std::runtime_error("openssl rand failed");
  return s;
}

std::string log_of(const std::string& dir) {
  std::ifstream in(dir + "/server.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

PdnsServer::PdnsServer(PdnsServerConfig config) {
  char tmpl[] = "/tmp/dcvkit-pdns-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
  dir_ = tmpl;
  dns_port_ = free_loopback_port();
  api_port_ = free_loopback_port();  // never the same port twice
  const std::string key = random_key(), db = dir_ + "/pdns.sqlite3";
  key_file_ = dir_ + "/api.key";
  wrong_key_file_ = dir_ + "/wrong-api.key";
  write(key_file_, key + "\n");
  write(wrong_key_file_, random_key() + "\n");
  ::chmod(key_file_.c_str(), 0600);
  ::chmod(wrong_key_file_.c_str(), 0600);

  const std::string schema = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql";
  RunOptions in;
  in.stdin_data = read_text(schema);
  if (auto r = run_program({require("/usr/bin/sqlite3"), db}, in); r.exit_code != 0)
    throw std::runtime_error("loading the PowerDNS schema failed: " + r.err);
  // pdnsutil reads the same file; caches off so every answer shows the database as it is now.
  write(dir_ + "/pdns.conf", "launch=gsqlite3\ngsqlite3-database=" + db +
                                 "\ncache-ttl=0\nnegquery-cache-ttl=0\nquery-cache-ttl=0\nconsistent-backends=yes\n");
  const std::string pdnsutil = require("/usr/bin/pdnsutil");
  for (const auto& zone : config.zones) {
    if (auto r = run_program({pdnsutil, "--config-dir=" + dir_, "create-zone", zone, "ns1." + zone}); r.exit_code != 0)
      throw std::runtime_error("pdnsutil create-zone " + zone + " failed: " + r.all());
  }
  for (const auto& rec : config.records) {
    if (auto r = run_program({pdnsutil, "--config-dir=" + dir_, "add-record", rec.zone, rec.name, rec.type, "60", rec.content});
        r.exit_code != 0)
      throw std::runtime_error("pdnsutil add-record failed: " + r.all());
  }

  pid_ = spawn_logged({require("/usr/sbin/pdns_server"), "--config-dir=" + dir_, "--socket-dir=" + dir_, "--guardian=no",
                       "--daemon=no", "--disable-syslog", "--local-address=127.0.0.1",
                       "--local-port=" + std::to_string(dns_port_), "--api=yes", "--api-key=" + key, "--webserver=yes",
                       "--webserver-address=127.0.0.1", "--webserver-port=" + std::to_string(api_port_),
                       "--webserver-allow-from=127.0.0.0/8", "--webserver-loglevel=normal", "--loglevel=6", "--launch=gsqlite3", "--gsqlite3-database=" + db},
                      dir_ + "/server.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    const auto soa = run_program({"/usr/bin/dig", "@127.0.0.1", "-p", std::to_string(dns_port_), "SOA",
                                  config.zones.front(), "+norec", "+time=1", "+tries=1"});
    const auto api = run_program({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "X-API-Key: " + key,
                                  api_url() + "/api/v1/servers/localhost"});
    if (soa.out.find("status: NOERROR") != std::string::npos && api.out == "200") break;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("pdns_server exited at start:\n" + log_of(dir_));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop_process(pid_);
      pid_ = -1;
      throw std::runtime_error("pdns_server did not answer within 20 s:\n" + log_of(dir_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

PdnsServer::~PdnsServer() {
  stop_process(pid_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::vector<std::string> PdnsServer::txt(const std::string& name) const { return dig_txt("127.0.0.1", dns_port_, name); }

}  // namespace dcvkit::test
