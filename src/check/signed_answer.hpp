// DNSSEC's fast path: an answer checked here against its zone's keys (ldns reads the records and
// lays out the signed data, OpenSSL verifies), which the validating
// resolver has already validated from the trust anchor once per zone (check/zone_trust). One
// signature check per answer instead of a validated lookup per name through libunbound's single
// thread. These checks only prove: whatever they cannot prove (a signature that does not verify,
// a wildcard expansion, a denial they cannot follow) is left to libunbound, which gives the verdict
// and says why, so a bogus answer is reported exactly as before.
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "check/dns_message.hpp"

struct evp_pkey_st;

namespace dcvkit::dns {

// A zone's DNSKEY set as the validator returned it (secure): zone keys of protocol 3 whose algorithm
// is checked here (RSA/SHA-256, RSA/SHA-512, ECDSA P-256 and P-384, Ed25519); others are left out, so
// their signatures go to libunbound.
class ZoneKeys {
 public:
  // From the validator's answer to "<zone> DNSKEY"; null when it holds no usable key.
  static std::shared_ptr<const ZoneKeys> from_answer(const unsigned char* wire, std::size_t size, const std::string& zone);
  ~ZoneKeys();
  ZoneKeys(const ZoneKeys&) = delete;
  ZoneKeys& operator=(const ZoneKeys&) = delete;

  const std::string& zone() const { return zone_; }

  // A key ready to verify with: imported once per zone, not once per signature (making an OpenSSL
  // key from DNSKEY bytes costs as much as the verification itself).
  struct Key {
    std::uint8_t algorithm = 0;
    std::uint16_t tag = 0;
    evp_pkey_st* pkey = nullptr;
  };
  const std::vector<Key>& keys() const { return keys_; }

 private:
  explicit ZoneKeys(std::string zone) : zone_(std::move(zone)) {}
  std::string zone_;
  std::vector<Key> keys_;
};

// The zone that signed the `type` records at `owner` in the answer section (the first RRSIG's signer,
// as text like Message::name); nullopt when none is signed.
std::optional<std::string> answer_signer(const Message& m, std::string_view owner, RrType type);

// The `type` records at `owner` in the answer section carry a signature by `keys`' zone, over
// exactly that set, valid at `now`, and not made from a wildcard.
bool answer_proved(const Message& m, std::string_view owner, RrType type, const ZoneKeys& keys, std::time_t now);

// A negative answer (NXDOMAIN, or NOERROR without `type` at `owner`) proved by NSEC or NSEC3
// records signed by `keys`' zone, valid at `now`.
bool denial_proved(const Message& m, std::string_view owner, RrType type, const ZoneKeys& keys, std::time_t now);

}  // namespace dcvkit::dns
