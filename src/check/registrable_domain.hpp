// The registrable domain (a public suffix plus one label, libpsl) by which the CA decides whether
// a redirect stays "on site".
#pragma once

#include <string>
#include <string_view>

namespace dcvkit {

// Lower-cased (ASCII), without trailing dots: how a host is compared and looked up.
std::string canonical_host(std::string_view host);

// Lower-cased, without a trailing dot. Names under a suffix libpsl does not know (".test") fall
// under its default "*" rule: shop.example.test -> example.test. A host that is itself a public
// suffix, or an IP literal, has no registrable domain: it is returned whole, so only the very same
// host compares equal.
std::string registrable_domain(std::string_view host);

// Whether the host is itself a public suffix ("com", "co.uk", and under the default "*" rule any
// single label such as "test"): no one can register it, so no CA issues for it.
bool is_public_suffix(std::string_view host);

}  // namespace dcvkit
