#include "support/fake_dns.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <vector>

namespace dcvkit::test {
namespace {

// Header + question of the query, flagged as a response with `rcode` and zero records: the
// client accepts it as the answer to its question (same id, same question).
std::vector<unsigned char> reply_to(const unsigned char* q, std::size_t n, int rcode) {
  if (n < 12) return {};
  std::size_t end = 12;
  while (end < n && q[end] != 0) end += q[end] + 1u;  // qname labels
  end += 1 + 4;                                      // root label, qtype, qclass
  if (end > n) return {};
  std::vector<unsigned char> r(q, q + end);
  r[2] = static_cast<unsigned char>(r[2] | 0x80);          // QR
  r[3] = static_cast<unsigned char>(0x80 | (rcode & 0x0f));  // RA + rcode
  for (int i = 6; i < 12; ++i) r[i] = 0;                     // no answer/authority/additional
  return r;
}

}  // namespace

FakeDnsServer::FakeDnsServer(FakeDnsMode mode, int rcode) : mode_(mode), rcode_(rcode) { bind_socket(); }

FakeDnsServer::FakeDnsServer(FakeDnsResponder responder)
    : mode_(FakeDnsMode::Custom), rcode_(0), responder_(std::move(responder)) {
  bind_socket();
}

void FakeDnsServer::bind_socket() {
  fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("fake DNS server: cannot bind 127.0.0.1");
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

FakeDnsServer::~FakeDnsServer() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

void FakeDnsServer::serve() {
  unsigned char buf[4096];
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) continue;
    ++queries_;
    if (mode_ == FakeDnsMode::Silent) continue;
    const auto r = mode_ == FakeDnsMode::Custom
                       ? responder_(std::vector<unsigned char>(buf, buf + n))
                       : reply_to(buf, static_cast<std::size_t>(n), mode_ == FakeDnsMode::Rcode ? rcode_ : 0);
    if (!r.empty()) ::sendto(fd_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
}

}  // namespace dcvkit::test
