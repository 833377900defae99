// Whether a URL's host is this machine: the one place plain http may carry an API key to.
#pragma once

#include <string>

namespace dcvkit {

// "localhost", 127.0.0.0/8, ::1; "[::1]" (a URL's bracketed form) too.
bool is_loopback_host(std::string host);

}  // namespace dcvkit
