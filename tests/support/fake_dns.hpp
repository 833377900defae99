// A stand-in "resolver" on 127.0.0.1 for failures a real server will not produce on demand:
// silence (every query times out), one fixed rcode for everything, empty NOERROR answers
// without any SOA (so no zone can be found), or any bytes a responder makes (malformed,
// truncated, non-authoritative answers). UDP only. Answers from its own thread until destroyed.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace dcvkit::test {

enum class FakeDnsMode {
  Silent,  // reads queries, never answers
  Rcode,   // answers every query with `rcode` and no records
  Empty,   // NOERROR, no records in any section
  Custom,  // whatever the responder returns (nothing: no answer)
};

// Builds the answer to a query (the query's bytes as received).
using FakeDnsResponder = std::function<std::vector<unsigned char>(const std::vector<unsigned char>& query)>;

class FakeDnsServer {
 public:
  explicit FakeDnsServer(FakeDnsMode mode, int rcode = 0);
  explicit FakeDnsServer(FakeDnsResponder responder);
  ~FakeDnsServer();
  FakeDnsServer(const FakeDnsServer&) = delete;
  FakeDnsServer& operator=(const FakeDnsServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1"; }
  std::size_t queries() const { return queries_.load(); }

 private:
  void serve();

  void bind_socket();

  FakeDnsMode mode_;
  int rcode_;
  FakeDnsResponder responder_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> queries_{0};
  std::thread thread_;
};

}  // namespace dcvkit::test
