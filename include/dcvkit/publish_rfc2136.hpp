// DNS tokens through RFC 2136 dynamic update signed with TSIG (ldns). Publishing adds one TXT
// record and never touches other TXT records at the name; unpublishing deletes exactly that value.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "dcvkit/net.hpp"
#include "dcvkit/publish.hpp"
#include "dcvkit/secret.hpp"

namespace dcvkit {

struct TsigKey {
  std::string name;       // "dcvkit-test." (fully qualified)
  std::string algorithm;  // "hmac-sha256" (also hmac-sha224/384/512, hmac-sha1, hmac-md5)
  Secret secret;          // base64, as in the key file
};

// BIND `key "name" { algorithm hmac-sha256; secret "base64"; };` (the first key in the file), or a
// line `[algorithm:]name:secret` as nsupdate -y takes it.
Result<TsigKey> parse_tsig_key(std::string_view text, std::string_view origin);
Result<TsigKey> load_tsig_key_file(const std::string& path);

struct Rfc2136Options {
  HostPort server;
  std::string zone;             // empty: found with an SOA query to the server, per name
  std::optional<TsigKey> tsig;  // none: unsigned updates (servers normally refuse those)
  std::uint32_t ttl = 60;
  int timeout_ms = 5000;        // per update, including the one retry
  bool tcp = false;
};

Result<std::unique_ptr<Publisher>> make_rfc2136_publisher(Rfc2136Options options);

}  // namespace dcvkit
