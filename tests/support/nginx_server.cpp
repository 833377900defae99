#include "support/nginx_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/dns_server.hpp"  // free_loopback_port
#include "support/loopback.hpp"
#include "support/run.hpp"

extern char** environ;

namespace dcvkit::test {
namespace {

namespace fs = std::filesystem;
constexpr const char* kNginx = "/usr/sbin/nginx";
constexpr const char* kWellKnown = "/.well-known/pki-validation/";

void write_file(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}


// A server block for one fixed host, on both ports; `body` is what goes inside.
std::string host_block(const std::string& ports, const std::string& host, const std::string& www, const std::string& body) {
  return "  server {\n" + ports + "    server_name " + host + ";\n    root " + www + "/$host;\n" + body + "  }\n";
}

std::string redirect_at(const std::string& path, int code, const std::string& target) {
  return "    location = " + path + " { return " + std::to_string(code) + " " + target + "; }\n";
}

// fileauth.txt -> c1 -> ... -> c<n-1> -> final.txt: n redirects, using every code the CA follows,
// alternating relative and absolute targets.
std::string chain(int n) {
  static constexpr int kCodes[] = {301, 302, 307, 308};
  const std::string wk = kWellKnown;
  std::string out;
  for (int i = 0; i < n; ++i) {
    const std::string from = i == 0 ? wk + "fileauth.txt" : wk + "c" + std::to_string(i);
    const std::string to = i == n - 1 ? wk + "final.txt" : wk + "c" + std::to_string(i + 1);
    out += redirect_at(from, kCodes[i % 4], (i % 2 == 1 ? "$scheme://$host" : "") + to);
  }
  return out;
}

// ACME http-01: /.well-known/acme-challenge/<prefix>-0 -> <prefix>-1 -> ... -> <prefix>-<n>, n redirects.
std::string acme_chain(const std::string& prefix, int n) {
  static constexpr int kCodes[] = {301, 302, 307, 308};
  const std::string at = "/.well-known/acme-challenge/" + prefix + "-";
  std::string out;
  for (int i = 0; i < n; ++i) out += redirect_at(at + std::to_string(i), kCodes[i % 4], at + std::to_string(i + 1));
  return out;
}

// Every ACME challenge URL of the host answered the same way.
std::string acme_answer(const std::string& what) { return "    location ^~ /.well-known/acme-challenge/ { return " + what + "; }\n"; }

}  // namespace

NginxServer::NginxServer(NginxOptions options) : options_(options) {
  char tmpl[] = "/tmp/dcvkit-nginx-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
  dir_ = tmpl;
  if (::access(kNginx, X_OK) != 0) throw std::runtime_error("not installed: /usr/sbin/nginx (nginx-light)");
  auto cert = run_program({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                           "-subj", "/CN=test", "-days", "1", "-keyout", dir_ + "/key.pem", "-out", dir_ + "/cert.pem"});
  if (cert.exit_code != 0) throw std::runtime_error("openssl req failed: " + cert.all());
  http_port_ = free_loopback_port();
  https_port_ = free_loopback_port();  // never the same port twice
  write_config();

  std::vector<std::string> argv = {kNginx, "-p", dir_ + "/", "-c", dir_ + "/nginx.conf", "-e", dir_ + "/error.log"};
  pid_ = spawn_logged(argv, dir_ + "/nginx.out");

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!answers()) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("nginx exited at start:\n" + read_file(dir_ + "/nginx.out") + error_log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("nginx did not answer within 20 s:\n" + error_log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

NginxServer::~NginxServer() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void NginxServer::stop() {
  // nginx: SIGTERM is a fast shutdown; the master reaps its worker.
  stop_process(pid_, 5000);
  pid_ = -1;
}

void NginxServer::put_token_file(const std::string& host, const std::string& body) const {
  put_file(host, std::string(kWellKnown + 1) + "fileauth.txt", body);
}

void NginxServer::put_file(const std::string& host, const std::string& path, const std::string& body) const {
  write_file(dir_ + "/www/" + host + "/" + path, body);
}

void NginxServer::put_https_token_file(const std::string& host, const std::string& body) const {
  write_file(dir_ + "/www-https/" + host + "/" + std::string(kWellKnown + 1) + "fileauth.txt", body);
}

std::string NginxServer::access_log() const { return read_file(dir_ + "/access.log"); }

std::string NginxServer::access_log_containing(const std::string& needle, int timeout_ms) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string log = access_log();
  while (log.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    log = access_log();
  }
  return log;
}
std::string NginxServer::error_log() const { return read_file(dir_ + "/error.log"); }

bool NginxServer::answers() const {
  const int fd = connect_loopback(http_port_);
  if (fd < 0) return false;
  const std::string request = "GET / HTTP/1.0\r\nHost: ready.invalid\r\n\r\n";
  char buf[16] = {};
  const bool ok = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()) &&
                  ::recv(fd, buf, 5, MSG_WAITALL) == 5 && std::string(buf, 5) == "HTTP/";
  ::close(fd);
  if (!ok) return false;
  const int tls = connect_loopback(https_port_);
  if (tls < 0) return false;
  ::close(tls);
  return true;
}

void NginxServer::write_config() const {
  namespace h = nginx_hosts;
  const std::string wk = kWellKnown;
  const std::string fileauth = wk + "fileauth.txt";
  const std::string www = dir_ + "/www";
  fs::create_directories(www);
  fs::create_directories(dir_ + "/tmp");
  const std::string listen_http = "    listen 127.0.0.1:" + std::to_string(http_port_);
  const std::string listen_https = "    listen 127.0.0.1:" + std::to_string(https_port_) + " ssl";
  const std::string both = listen_http + ";\n" + listen_https + ";\n";

  std::string c;
  c += "daemon off;\nmaster_process on;\nworker_processes 1;\n";
  // Workers would otherwise drop to "nobody", who cannot read a 0700 temp dir.
  if (::geteuid() == 0) c += "user root;\n";
  c += "pid " + dir_ + "/nginx.pid;\nerror_log " + dir_ + "/error.log notice;\n";
  c += "events { worker_connections 1024; }\n";
  c += "http {\n  default_type text/plain;\n";
  c += "  log_format probe '$host \"$request\" \"$http_user_agent\" \"$http_cookie\" $status';\n";
  c += "  access_log " + dir_ + "/access.log probe;\n";
  for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
    c += "  " + std::string(t) + "_temp_path " + dir_ + "/tmp/" + t + ";\n";
  // Relative Location headers stay relative (and carry no test port) unless a block says otherwise.
  c += "  absolute_redirect off;\n  server_tokens off;\n";
  c += "  ssl_certificate " + dir_ + "/cert.pem;\n  ssl_certificate_key " + dir_ + "/key.pem;\n";
  if (!options_.session_resumption) c += "  ssl_session_tickets off;\n  ssl_session_cache off;\n";
  c += "  server {\n" + listen_http + " default_server;\n" + listen_https + " default_server;\n" +
       "    server_name _;\n    root " + www + "/$host;\n  }\n";
  c += "  server {\n" + listen_http + ";\n    server_name " + h::kToHttps + ";\n    return 301 https://$host$request_uri;\n  }\n";
  c += host_block(both, h::kOffsite, www, redirect_at(fileauth, 302, "https://elsewhere.example.org" + fileauth));
  c += host_block(both, h::kSibling, www, redirect_at(fileauth, 302, "http://www.example.test" + fileauth));
  c += host_block(both, h::kBadPort, www, redirect_at(fileauth, 301, "http://$host:8080" + fileauth));
  c += host_block(both, h::kExplicitPort, www, redirect_at(fileauth, 301, "http://$host:80" + wk + "real.txt"));
  c += host_block(both, h::kBadScheme, www, redirect_at(fileauth, 302, "ftp://$host" + fileauth));
  c += host_block(both, h::kLoop, www,
                  redirect_at(fileauth, 302, wk + "loop-b") + redirect_at(wk + "loop-b", 302, "$scheme://$host" + fileauth));
  c += host_block(both, h::kChain5, www, chain(5));
  c += host_block(both, h::kChain6, www, chain(6));
  c += host_block(both, h::kRelative, www, redirect_at(fileauth, 302, "moved.txt"));
  c += host_block(both, h::kSeeOther, www, redirect_at(fileauth, 303, wk + "other.txt"));
  c += host_block(both, h::kStatus500, www, "    return 500;\n");
  c += host_block(both, h::kForbidden, www, "    return 403;\n");
  c += host_block(both, h::kAcmeBadPort, www, acme_answer("301 http://$host:8080$request_uri"));
  c += host_block(both, h::kAcmeOffsite, www, acme_answer("302 https://elsewhere.example.org$request_uri"));
  c += host_block(both, h::kAcmeToIp, www, acme_answer("302 http://127.0.0.1$request_uri"));
  c += host_block(both, h::kAcmeNoContent, www, acme_answer("204"));
  c += host_block(both, h::kAcmeChain, www, acme_chain("c10", 10) + acme_chain("c11", 11));
  c += "  server {\n" + listen_https + ";\n    server_name " + h::kSplitRoots + " *." + h::kSplitRoots + ";\n    root " + www + "-https/$host;\n  }\n";
  c += "  server {\n" + listen_https + ";\n    server_name " + h::kCatchAll + ";\n    return 200 \"welcome\\n\";\n  }\n";
  c += "}\n";
  write_file(dir_ + "/nginx.conf", c);
}

}  // namespace dcvkit::test
