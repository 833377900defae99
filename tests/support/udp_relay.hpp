// Makes a server on 127.0.0.1:<port> reachable at another loopback address (127.0.0.2:P).
// Why: BIND only listens on addresses configured on an interface, and here lo carries only
// 127.0.0.1/8, while the DNS check needs several authoritative servers on the SAME port at
// different addresses. Linux lets any process bind 127.0.0.0/8 without setup, so a relay can.
// UDP only: the fixtures' answers fit in one datagram, so clients never fall back to TCP.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace dcvkit::test {

class UdpRelay {
 public:
  UdpRelay(const std::string& listen_address, std::uint16_t listen_port, std::uint16_t target_port);
  ~UdpRelay();
  UdpRelay(const UdpRelay&) = delete;
  UdpRelay& operator=(const UdpRelay&) = delete;

 private:
  void serve();

  int listen_fd_ = -1;
  std::uint16_t target_port_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace dcvkit::test
