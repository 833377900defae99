// TSIG key files (BIND's key block or name:secret) and the HOST:PORT of a DNS server.
#include "dcvkit/publish_rfc2136.hpp"
#include "fuzz/fuzz_target.hpp"

namespace fuzz_tsig_key {

void run(std::string_view input) {
  if (fuzz_support::pick(input, 2) == 0) {
    auto key = dcvkit::parse_tsig_key(input, "<fuzz>");
    if (key && (key->name.empty() || key->name.back() != '.')) __builtin_trap();
  } else {
    auto hp = dcvkit::parse_host_port(input, 53);
    if (hp && (hp->host.empty() || hp->port == 0)) __builtin_trap();
  }
}

}  // namespace fuzz_tsig_key

DCVKIT_FUZZ_ENTRY(fuzz_tsig_key::run)
