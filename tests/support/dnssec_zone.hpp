// Signs a zone file the way an operator would (BIND's dnssec-keygen and dnssec-signzone), for the
// DNSSEC tests and bench_check: one ECDSA key that is both KSK and ZSK, its DNSKEY the trust anchor.
#pragma once

#include <string>

namespace dcvkit::test {

struct SignedZone {
  std::string file;      // the signed zone file (absolute names)
  std::string key_file;  // "<zone>. IN DNSKEY 257 ...": a trust anchor for libunbound
};

// Keys go to `dir`. `expired`: the signature window lies in 2020, so every signature is bogus.
SignedZone sign_zone_file(const std::string& dir, const std::string& zone, const std::string& zone_file, bool expired = false);

}  // namespace dcvkit::test
