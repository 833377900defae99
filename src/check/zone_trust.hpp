// What the validating resolver says of a zone's keys, asked once per zone (and again after
// kLookupMaxAge): secure with its DNSKEY set, insecure (no chain from the anchor: unsigned, or
// below an unsigned delegation), or bogus. Answers of a secure zone are then checked locally
// (check/signed_answer); an insecure zone's need nothing more; a bogus one is left to libunbound.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "check/dnssec.hpp"
#include "check/signed_answer.hpp"

namespace dcvkit::dns {

struct ZoneTrust {
  Security security = Security::Unchecked;  // Unchecked: the validator gave no verdict
  std::shared_ptr<const ZoneKeys> keys;     // set when Secure
};

class ZoneTrustCache {
 public:
  explicit ZoneTrustCache(Validator& validator) : validator_(validator) {}
  // Calls `then` once: at once if known, else when the validator answers.
  void get(const std::string& zone, std::function<void(const std::shared_ptr<const ZoneTrust>&)> then);

 private:
  struct Entry {
    bool settled = false;
    std::chrono::steady_clock::time_point settled_at;
    std::shared_ptr<const ZoneTrust> trust;
    std::vector<std::function<void(const std::shared_ptr<const ZoneTrust>&)>> waiters;
  };
  Validator& validator_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
};

}  // namespace dcvkit::dns
