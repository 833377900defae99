// What an independent DNS client sees: dig, run as a user would.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dcvkit::test {

// TXT strings at `name` as `dig @address -p port` sees them (strings of one record joined), sorted.
std::vector<std::string> dig_txt(const std::string& address, std::uint16_t port, const std::string& name);

}  // namespace dcvkit::test
