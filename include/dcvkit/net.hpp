// A server address as users write it, shared by every part that talks to one (RFC 2136 updates,
// resolvers, name servers, HTTP connect overrides).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dcvkit/error.hpp"

namespace dcvkit {

struct HostPort {
  std::string host;  // IP literal or host name
  std::uint16_t port = 53;
};
// "host", "host:port", "[v6]:port", "v6" (bare IPv6 literal).
Result<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port);

}  // namespace dcvkit
