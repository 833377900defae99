// Tokens as text for people who publish by hand: BIND zone-file lines or an nsupdate script.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dcvkit/publish.hpp"

namespace dcvkit {

// `_dnsauth.example.com. 300 IN TXT "token"` per DNS item (HTTP items are skipped).
std::string render_zone_lines(const std::vector<PublishItem>& items, std::uint32_t ttl);

// An nsupdate script (`server`, `zone` lines only when given) that adds or deletes exactly these
// TXT values, ending with `send`.
std::string render_nsupdate(const std::vector<PublishItem>& items, PublishAction action, const std::string& server,
                            const std::string& zone, std::uint32_t ttl);

}  // namespace dcvkit
