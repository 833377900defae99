// A c-ares channel that talks to exactly one server: the probe decides who is asked, so it keeps
// one channel per server instead of letting c-ares rotate or fall back between them.
#pragma once

#include <ares.h>

#include <memory>
#include <string>

#include "dcvkit/error.hpp"

namespace dcvkit::dns {

// The EDNS payload size advertised (the DNS flag day size): large TXT sets, and signed answers, fit
// without TCP.
inline constexpr int kEdnsPayload = 1232;

struct AresChannelOptions {
  std::string host;  // IP literal: the only kind c-ares accepts as a server
  std::uint16_t port = 53;
  bool recursion_desired = true;
  int timeout_ms = 3000;  // all tries together
  ares_sock_state_cb sock_state_cb = nullptr;
  void* sock_state_data = nullptr;
};

class AresChannel {
 public:
  static Result<std::unique_ptr<AresChannel>> create(const AresChannelOptions& options);
  ~AresChannel();
  AresChannel(const AresChannel&) = delete;
  AresChannel& operator=(const AresChannel&) = delete;

  ares_channel get() const { return channel_; }

 private:
  AresChannel() = default;
  ares_channel channel_ = nullptr;
  bool library_initialised_ = false;
};

// "127.0.0.2:5300", "[::1]:53": how servers are named in observations and in c-ares' CSV syntax.
std::string server_text(const std::string& host, std::uint16_t port);

}  // namespace dcvkit::dns
