// Closing a client's connection without sending it a byte, from inside a request handler.
// cpp-httplib does not hand handlers their socket, so it is found among the process's open
// descriptors by its two ends (local port, peer address and port), then shut down both ways;
// httplib's own write afterwards fails harmlessly (SIGPIPE is ignored).
#pragma once

#include <cstdint>
#include <string>

namespace dcvkit::sandbox {

// False when no such connection is open.
bool abort_connection(std::uint16_t local_port, const std::string& peer_address, int peer_port);

}  // namespace dcvkit::sandbox
