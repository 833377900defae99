// Loopback TCP for the tests' own small servers and raw clients.
#pragma once

#include <cstdint>

namespace dcvkit::test {

// A TCP connection to 127.0.0.1:port with a receive timeout, so a wedged server cannot hang a test.
// The connected socket (the caller closes it), or -1.
int connect_loopback(std::uint16_t port, int receive_timeout_seconds = 1);

// A listening socket on 127.0.0.1 at a port the kernel picks (stored in `port`); the caller closes
// it. Throws std::runtime_error naming `who` when it cannot listen.
int listen_loopback(const char* who, std::uint16_t& port);

}  // namespace dcvkit::test
