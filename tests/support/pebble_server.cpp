#include "support/pebble_server.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/dns_server.hpp"  // free_loopback_port
#include "support/run.hpp"

namespace dcvkit::test {
namespace {

namespace fs = std::filesystem;
constexpr const char* kPebble = "/usr/bin/pebble";
constexpr const char* kOpenssl = "/usr/bin/openssl";
constexpr const char* kCurl = "/usr/bin/curl";

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_all(const std::string& path, const std::string& data, mode_t mode = 0644) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
  ::chmod(path.c_str(), mode);
}

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kOpenssl};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_program(argv);
  if (r.exit_code != 0) throw std::runtime_error("openssl " + args.front() + " failed: " + r.all());
}

// A CA and a certificate for 127.0.0.1/localhost signed by it: Pebble's HTTPS identity.
void make_tls_identity(const std::string& dir) {
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
           "/CN=dcvkit test CA for pebble", "-days", "2", "-keyout", dir + "/tls-ca.key", "-out", dir + "/tls-ca.pem"});
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-keyout",
           dir + "/tls.key", "-out", dir + "/tls.csr"});
  write_all(dir + "/ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl({"x509", "-req", "-in", dir + "/tls.csr", "-CA", dir + "/tls-ca.pem", "-CAkey", dir + "/tls-ca.key",
           "-CAcreateserial", "-days", "2", "-extfile", dir + "/ext.cnf", "-out", dir + "/tls.pem"});
}

}  // namespace

std::string certificate_cn(const std::string& pem, const std::string& field) {
  RunOptions input;
  input.stdin_data = pem;
  auto r = run_program({kOpenssl, "x509", "-noout", "-" + field, "-nameopt", "RFC2253"}, input);
  const auto cn = r.out.find("CN=");
  if (r.exit_code != 0 || cn == std::string::npos) return "";
  const std::string name = r.out.substr(cn + 3);
  return name.substr(0, name.find_first_of(",\n"));
}

PebbleServer::PebbleServer(PebbleOptions options) : options_(std::move(options)) {
  if (::access(kPebble, X_OK) != 0) throw std::runtime_error("not installed: /usr/bin/pebble (Debian package pebble)");
  char tmpl[] = "/tmp/dcvkit-pebble-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
  dir_ = tmpl;
  make_tls_identity(dir_);
  port_ = free_loopback_port();
  management_port_ = free_loopback_port();  // never the same port twice

  nlohmann::json config = {{"pebble",
                            {{"listenAddress", "127.0.0.1:" + std::to_string(port_)},
                             {"managementListenAddress", "127.0.0.1:" + std::to_string(management_port_)},
                             {"certificate", dir_ + "/tls.pem"},
                             {"privateKey", dir_ + "/tls.key"},
                             {"httpPort", options_.http_port},
                             {"tlsPort", 5001},
                             {"ocspResponderURL", ""},
                             {"externalAccountBindingRequired", options_.eab_required},
                             {"externalAccountMACKeys", options_.eab_keys}}}};
  write_all(dir_ + "/pebble.json", config.dump(2));
  std::vector<std::string> argv = {"/usr/bin/env",
                                   "PEBBLE_VA_NOSLEEP=1",
                                   "PEBBLE_WFE_NONCEREJECT=" + std::to_string(options_.nonce_reject_percent),
                                   "PEBBLE_AUTHZREUSE=" + std::to_string(options_.authz_reuse_percent),
                                   "PEBBLE_ALTERNATE_ROOTS=" + std::to_string(options_.alternate_roots),
                                   kPebble,
                                   "-config",
                                   dir_ + "/pebble.json"};
  if (!options_.dns_server.empty()) {
    argv.emplace_back("-dnsserver");
    argv.push_back(options_.dns_server);
  }
  pid_ = spawn_logged(argv, dir_ + "/pebble.log");

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!answers()) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("pebble exited at start:\n" + log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("pebble did not answer within 30 s:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Pebble makes new roots at every start; only its management port hands them out.
  std::string bundle = read_all(dir_ + "/tls-ca.pem");
  for (int i = 0; i <= options_.alternate_roots; ++i) {
    auto root = run_program({kCurl, "-sS", "--fail", "--cacert", dir_ + "/tls-ca.pem",
                             "https://127.0.0.1:" + std::to_string(management_port_) + "/roots/" + std::to_string(i)});
    if (root.exit_code != 0 || root.out.find("BEGIN CERTIFICATE") == std::string::npos) {
      stop();
      throw std::runtime_error("cannot fetch pebble's root " + std::to_string(i) + ": " + root.all());
    }
    std::string name = certificate_cn(root.out, "subject");
    if (name.empty()) {
      stop();
      throw std::runtime_error("pebble's root " + std::to_string(i) + " has no common name: " + root.out);
    }
    root_names_.push_back(std::move(name));
    bundle += root.out;
  }
  ca_bundle_ = dir_ + "/ca-bundle.pem";
  write_all(ca_bundle_, bundle);
}

PebbleServer::~PebbleServer() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void PebbleServer::stop() {
  stop_process(pid_, 5000);
  pid_ = -1;
}

bool PebbleServer::answers() const {
  auto r = run_program({kCurl, "-sS", "--fail", "--max-time", "2", "--cacert", dir_ + "/tls-ca.pem", directory_url()});
  return r.exit_code == 0 && r.out.find("newNonce") != std::string::npos;
}

std::string PebbleServer::directory_url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/dir"; }

std::string PebbleServer::eab_key_file(const std::string& kid) const {
  const std::string path = dir_ + "/eab-" + kid + ".key";
  write_all(path, options_.eab_keys.at(kid) + "\n", 0600);
  return path;
}

std::string PebbleServer::log() const { return read_all(dir_ + "/pebble.log"); }

}  // namespace dcvkit::test
