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
#include <sstream>
#include <stdexcept>
#include <thread>

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

}  // namespace

const char* to_string(DnsImpl impl) { return impl == DnsImpl::Bind ? "bind" : "knot"; }

std::uint16_t free_loopback_port() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int u = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::getsockname(u, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ::close(u);
      continue;
    }
    int t = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const bool tcp_ok = ::bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(t);
    ::close(u);
    if (tcp_ok) return ntohs(a.sin_port);
  }
  throw std::runtime_error("no free loopback port");
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
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, (dir_ + "/server.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);

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
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void DnsServer::write_config(const std::string& secret) {
  std::string zone_text = "$TTL 60\n@ IN SOA ns1." + config_.zone + ". hostmaster." + config_.zone +
                          ". 1 60 60 600 60\n@ IN NS ns1." + config_.zone + ".\nns1 IN A " + config_.addresses.front() + "\n";
  for (const auto& r : config_.records) zone_text += r + "\n";
  const std::string port = std::to_string(config_.port);
  if (config_.impl == DnsImpl::Bind) {
    write_file(dir_ + "/" + config_.zone + ".zone", zone_text);
    std::string listen;
    for (const auto& a : config_.addresses) listen += a + "; ";
    write_file(dir_ + "/named.conf",
               "options {\n directory \"" + dir_ + "\";\n listen-on port " + port + " { " + listen +
                   "};\n listen-on-v6 { none; };\n pid-file none;\n session-keyfile none;\n recursion no;\n"
                   " dnssec-validation no;\n notify no;\n};\ncontrols { };\n" +
                   bind_key(config_.tsig_name, secret) + "zone \"" + config_.zone +
                   "\" {\n type primary;\n file \"" + dir_ + "/" + config_.zone + ".zone\";\n allow-update { key \"" +
                   config_.tsig_name + "\"; };\n};\n");
  } else {
    write_file(dir_ + "/" + config_.zone + ".zone", zone_text);
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

std::vector<std::string> DnsServer::txt(const std::string& name) const {
  auto r = run_program({"/usr/bin/dig", "@" + address(), "-p", std::to_string(port()), "TXT", name, "+short", "+norec",
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

}  // namespace dcvkit::test
