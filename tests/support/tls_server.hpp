// A tiny HTTPS server on 127.0.0.1 for the API client's TLS policy tests: its own test CA, a leaf
// certificate for exactly the names given, a chosen highest TLS version (down to TLS 1.0, which
// needs OpenSSL's security level 0), and one fixed HTTP answer. It counts what got through so a
// test can prove that a refused connection never carried the request (and so never the API key).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dcvkit::test {

struct TlsServerOptions {
  std::vector<std::string> dns_names;     // subjectAltName dNSName entries of the leaf
  std::vector<std::string> ip_addresses;  // subjectAltName iPAddress entries ("127.0.0.1")
  int max_version = 0;                    // e.g. TLS1_1_VERSION; 0: the library's highest
  std::string body = "{}";                // the JSON answer to every request (200 OK)
};

class TlsServer {
 public:
  explicit TlsServer(TlsServerOptions options);  // listens at once; throws when it cannot
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  std::uint16_t port() const { return port_; }
  // https://127.0.0.1:P/services/v2
  std::string url() const;
  // The test CA's certificate (PEM file) to pass as --ca-bundle.
  const std::string& ca_file() const { return ca_file_; }

  int connections() const { return connections_.load(); }  // TCP connections accepted
  int handshakes() const { return handshakes_.load(); }    // TLS handshakes completed
  int requests() const { return requests_.load(); }        // HTTP requests read (headers complete)
  // Every request's bytes, for tests that look for what a client sent.
  std::string received() const;

 private:
  void serve();
  void handle(int fd);

  TlsServerOptions options_;
  std::string dir_, ca_file_;
  void* ctx_ = nullptr;  // SSL_CTX*, kept opaque so tests need no OpenSSL SSL headers
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  std::atomic<int> connections_{0}, handshakes_{0}, requests_{0};
  mutable std::mutex mutex_;  // guards received_
  std::string received_;
  std::thread thread_;
};

}  // namespace dcvkit::test
