// Random values and digests the sandbox hands out or keys on: API keys, AuthKeys, account ids.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dcvkit::sandbox {

std::string random_hex(std::size_t bytes);        // 2 * bytes lowercase hex digits (OpenSSL RAND)
std::string random_base36(std::size_t length);    // [0-9a-z], uniform (rejection sampling)
std::string sha256_hex(std::string_view data);

}  // namespace dcvkit::sandbox
