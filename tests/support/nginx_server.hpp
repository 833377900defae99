// A real nginx (Debian nginx-light) for the HTTP check: foreground, in a temp dir, on two free
// loopback ports (plain HTTP, and TLS with a self-signed certificate made at start), one webroot
// per host (www/<host>), plus fixed server blocks for the redirect and status cases the CA's fetch
// rules tell apart. Started by the constructor (which waits for an answer), stopped by the destructor.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace dcvkit::test {

// The hosts with fixed behaviour, on both ports unless said otherwise. Paths below are under
// /.well-known/pki-validation/; put_file() supplies the bodies the redirects lead to.
namespace nginx_hosts {
inline constexpr const char* kToHttps = "to-https.example.test";       // http only: 301 to https, same URL
inline constexpr const char* kOffsite = "offsite.example.test";        // 302 to https://elsewhere.example.org/...
inline constexpr const char* kSibling = "sibling.example.test";        // 302 to http://www.example.test/... (same site)
inline constexpr const char* kBadPort = "bad-port.example.test";       // 301 to http://bad-port.example.test:8080/...
inline constexpr const char* kExplicitPort = "explicit-port.example.test";  // 301 to http://...:80/.../real.txt
inline constexpr const char* kBadScheme = "bad-scheme.example.test";   // 302 to ftp://...
inline constexpr const char* kLoop = "loop.example.test";              // fileauth.txt -> loop-b -> fileauth.txt
inline constexpr const char* kChain5 = "chain5.example.test";          // 5 redirects (301/302/307/308), then final.txt
inline constexpr const char* kChain6 = "chain6.example.test";          // 6 redirects, then final.txt
inline constexpr const char* kRelative = "relative.example.test";      // 302 "moved.txt" (a relative path)
inline constexpr const char* kSeeOther = "see-other.example.test";     // 303: a redirect the CA does not follow
inline constexpr const char* kStatus500 = "status500.example.test";    // 500
inline constexpr const char* kForbidden = "forbidden.example.test";    // 403
// https served from another document root (put_https_file) than http (put_file): a stale or
// missing file on the https side of a host whose http side is right. Its subdomains too.
inline constexpr const char* kSplitRoots = "split-roots.example.test";
// https: a catch-all answering 200 "welcome" for every path; http: the webroot.
inline constexpr const char* kCatchAll = "catch-all.example.test";
// ACME http-01 (/.well-known/acme-challenge/<token>, every token):
inline constexpr const char* kAcmeBadPort = "acme-bad-port.example.test";    // 301 to http://<host>:8080<same path>
inline constexpr const char* kAcmeOffsite = "acme-offsite.example.test";     // 302 to https://elsewhere.example.org<same path>
inline constexpr const char* kAcmeToIp = "acme-to-ip.example.test";          // 302 to http://127.0.0.1<same path>
inline constexpr const char* kAcmeNoContent = "acme-204.example.test";       // 204
// Tokens c10-0 and c11-0: 10 and 11 redirects (301/302/307/308, relative) to c10-10 and c11-11.
inline constexpr const char* kAcmeChain = "acme-chain.example.test";
// Any other host is served from its webroot: no file there is a plain 404.
}  // namespace nginx_hosts

struct NginxOptions {
  // TLS session resumption (tickets: nginx's default). Off: every TLS connection is a full
  // handshake even for a client that would resume (wrk does), as for a CA fetching many names.
  bool session_resumption = true;
};

class NginxServer {
 public:
  explicit NginxServer(NginxOptions options = {});
  ~NginxServer();
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  std::uint16_t http_port() const { return http_port_; }
  std::uint16_t https_port() const { return https_port_; }
  const std::string& dir() const { return dir_; }

  // `body` at http(s)://host/.well-known/pki-validation/fileauth.txt.
  void put_token_file(const std::string& host, const std::string& body) const;
  // `body` at http(s)://host/<path> (path without the leading '/').
  void put_file(const std::string& host, const std::string& path, const std::string& body) const;
  // `body` at https://host/.well-known/pki-validation/fileauth.txt for the hosts whose https side
  // has its own document root (kSplitRoots).
  void put_https_token_file(const std::string& host, const std::string& body) const;
  // One line per request: host "request line" "User-Agent" "Cookie" status.
  std::string access_log() const;
  // nginx logs a request after it has sent the response: wait (up to timeout_ms) for `needle`.
  std::string access_log_containing(const std::string& needle, int timeout_ms = 3000) const;
  std::string error_log() const;
  void stop();

 private:
  void write_config() const;
  bool answers() const;

  NginxOptions options_;
  std::string dir_;
  std::uint16_t http_port_ = 0, https_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace dcvkit::test
