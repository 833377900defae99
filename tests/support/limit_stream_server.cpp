#include "support/limit_stream_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <new>
#include <stdexcept>

#include "support/loopback.hpp"
#include "support/run.hpp"

namespace dcvkit::test {

StreamServer::StreamServer(std::string prefix, std::uint64_t body_bytes)
    : prefix_(std::move(prefix)), body_bytes_(body_bytes) {
  listen_fd_ = listen_loopback("StreamServer", port_);
  void* shared = ::mmap(nullptr, sizeof(Counters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) throw std::runtime_error("StreamServer: mmap failed");
  counters_ = new (shared) Counters();
  server_ = fork_tied_to_parent("StreamServer");
  if (server_ == 0) serve();
}

StreamServer::~StreamServer() {
  stop_process(server_, 0);  // it holds nothing worth a graceful end
  ::close(listen_fd_);
  counters_->~Counters();
  ::munmap(counters_, sizeof(Counters));
}

void StreamServer::serve() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++counters_->connections;
    answer(fd);
    ::close(fd);
  }
}

void StreamServer::answer(int fd) {
  // The request's headers (its body, if any, is never looked at).
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) return;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    request.append(buf, static_cast<std::size_t>(n));
  }
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
  head += body_bytes_ ? "Content-Length: " + std::to_string(body_bytes_) + "\r\n" : "Connection: close\r\n";
  head += "\r\n" + prefix_;
  std::string chunk(64 * 1024, ' ');
  std::uint64_t body_sent = 0;
  std::string_view pending = head;
  body_sent = prefix_.size();
  for (;;) {
    while (!pending.empty()) {
      const ssize_t n = ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL);
      if (n <= 0) return;  // the client hung up: what we wanted to see
      counters_->sent += static_cast<std::uint64_t>(n);
      pending.remove_prefix(static_cast<std::size_t>(n));
    }
    if (body_bytes_ && body_sent >= body_bytes_) return;
    const std::uint64_t left = body_bytes_ ? body_bytes_ - body_sent : chunk.size();
    pending = std::string_view(chunk).substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size())));
    body_sent += pending.size();
  }
}

}  // namespace dcvkit::test
