// A stand-in "resolver" on 127.0.0.1 for failures a real server will not produce on demand:
// silence (every query times out), one fixed rcode for everything, or empty NOERROR answers
// without any SOA (so no zone can be found). Answers from its own thread until destroyed.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

namespace dcvkit::test {

enum class FakeDnsMode {
  Silent,  // reads queries, never answers
  Rcode,   // answers every query with `rcode` and no records
  Empty,   // NOERROR, no records in any section
};

class FakeDnsServer {
 public:
  explicit FakeDnsServer(FakeDnsMode mode, int rcode = 0);
  ~FakeDnsServer();
  FakeDnsServer(const FakeDnsServer&) = delete;
  FakeDnsServer& operator=(const FakeDnsServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1"; }
  std::size_t queries() const { return queries_.load(); }

 private:
  void serve();

  FakeDnsMode mode_;
  int rcode_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> queries_{0};
  std::thread thread_;
};

}  // namespace dcvkit::test
