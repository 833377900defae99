#include "support/udp_relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <stdexcept>
#include <vector>

namespace dcvkit::test {
namespace {

void set_buffers(int fd) {
  int size = 1 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

}  // namespace

UdpRelay::UdpRelay(const std::string& listen_address, std::uint16_t listen_port, std::uint16_t target_port)
    : target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(listen_port);
  if (listen_fd_ < 0 || ::inet_pton(AF_INET, listen_address.c_str(), &a.sin_addr) != 1 ||
      ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("relay: cannot bind " + listen_address + ":" + std::to_string(listen_port));
  }
  set_buffers(listen_fd_);
  thread_ = std::thread([this] { serve(); });
}

UdpRelay::~UdpRelay() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void UdpRelay::serve() {
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(target_port_);
  target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // One upstream socket per client address, so replies find their way back without parsing.
  std::map<std::uint64_t, std::pair<int, sockaddr_in>> upstream;
  unsigned char buf[65536];
  while (!stop_) {
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    std::vector<const sockaddr_in*> clients{nullptr};
    for (const auto& [key, up] : upstream) {
      fds.push_back({up.first, POLLIN, 0});
      clients.push_back(&up.second);
    }
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      for (ssize_t n; (n = ::recv(fds[i].fd, buf, sizeof buf, 0)) > 0;)
        ::sendto(listen_fd_, buf, static_cast<std::size_t>(n), 0, reinterpret_cast<const sockaddr*>(clients[i]),
                 sizeof(sockaddr_in));
    }
    if (!(fds[0].revents & POLLIN)) continue;
    for (;;) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(listen_fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) break;
      const std::uint64_t key = (std::uint64_t{from.sin_addr.s_addr} << 16) | from.sin_port;
      auto it = upstream.find(key);
      if (it == upstream.end()) {
        int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        set_buffers(fd);
        ::connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target);
        it = upstream.emplace(key, std::make_pair(fd, from)).first;
      }
      ::send(it->second.first, buf, static_cast<std::size_t>(n), 0);
    }
  }
  for (const auto& [key, up] : upstream) ::close(up.first);
}

}  // namespace dcvkit::test
