// An HTTP/1.1 server on 127.0.0.1 that answers every request with 200 and a body far larger than
// any client should accept: `body_bytes` announced in Content-Length (or, with 0, no length and
// no end at all), made of `prefix` and then spaces. It writes until the client hangs up, and
// counts what it sent, so a test can show that a client stopped reading early.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace dcvkit::test {

class StreamServer {
 public:
  StreamServer(std::string prefix, std::uint64_t body_bytes);  // body_bytes 0: endless
  ~StreamServer();
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::uint64_t bytes_sent() const { return sent_.load(); }
  std::size_t connections() const { return connections_.load(); }

 private:
  void serve();
  void answer(int fd);

  std::string prefix_;
  std::uint64_t body_bytes_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::size_t> connections_{0};
  std::thread thread_;
};

}  // namespace dcvkit::test
