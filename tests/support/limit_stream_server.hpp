// An HTTP/1.1 server on 127.0.0.1 that answers every request with 200 and a body far larger than
// any client should accept: `body_bytes` announced in Content-Length (or, with 0, no length and
// no end at all), made of `prefix` and then spaces. It writes until the client hangs up, and
// counts what it sent, so a test can show that a client stopped reading early.
//
// It serves from a forked process, not a thread: the limit tests run their client in a forked
// child (run_in_child), and a fork taken while another thread holds an allocator lock (ASan's,
// glibc's) leaves the child waiting on that lock for ever. Counters live in shared memory.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace dcvkit::test {

class StreamServer {
 public:
  StreamServer(std::string prefix, std::uint64_t body_bytes);  // body_bytes 0: endless
  ~StreamServer();
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::uint64_t bytes_sent() const { return counters_->sent.load(); }
  std::size_t connections() const { return counters_->connections.load(); }

 private:
  struct Counters {
    std::atomic<std::uint64_t> sent{0};
    std::atomic<std::size_t> connections{0};
  };
  [[noreturn]] void serve();
  void answer(int fd);

  std::string prefix_;
  std::uint64_t body_bytes_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  Counters* counters_ = nullptr;  // MAP_SHARED: written by the server process, read here
  pid_t server_ = -1;
};

}  // namespace dcvkit::test
