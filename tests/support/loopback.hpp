// A TCP connection to 127.0.0.1:port with a receive timeout, so a wedged server cannot hang a test.
#pragma once

#include <cstdint>

namespace dcvkit::test {

// The connected socket (the caller closes it), or -1.
int connect_loopback(std::uint16_t port, int receive_timeout_seconds = 1);

}  // namespace dcvkit::test
