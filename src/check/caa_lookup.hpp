// The CAA climb (RFC 8659 3): from the name towards the root, the first non-empty CAA set. Each
// owner's answer is kept for the batch, so 10,000 names under one zone cost one lookup of the
// zone and its parents, not 10,000 climbs (for kLookupMaxAge: a run's later re-checks ask again). CNAMEs are followed by the resolver, as RFC 8659 says.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "check/dnssec.hpp"
#include "dcvkit/check_caa.hpp"

namespace dcvkit::dns {

// Asks the resolver for CAA at a name: through c-ares (Security::Unchecked), or the validator.
using CaaAsk = std::function<void(const std::string& name, ValidatedHandler handler)>;

class CaaLookup {
 public:
  CaaLookup(CaaAsk ask, std::string resolver, int timeout_ms) : ask_(std::move(ask)), resolver_(std::move(resolver)), timeout_ms_(timeout_ms) {}
  void check(const std::string& name, std::function<void(CaaObservation)> done);
  std::size_t cached() const { return cache_.size(); }

 private:
  struct OwnerSet {
    std::string error_code, error_detail, via;
    std::vector<CaaRecord> records;
  };
  struct Entry {
    bool settled = false;
    std::chrono::steady_clock::time_point settled_at;
    OwnerSet set;
    std::vector<std::function<void(const OwnerSet&)>> waiters;
  };
  struct Climb {
    CaaObservation obs;
    std::function<void(CaaObservation)> done;
  };
  void get(const std::string& owner, std::function<void(const OwnerSet&)> then);
  OwnerSet read(const std::string& owner, const Reply& reply, Security security, const std::string& why) const;
  void step(const std::shared_ptr<Climb>& climb, const std::string& owner);

  CaaAsk ask_;
  std::string resolver_;
  int timeout_ms_;
  std::map<std::string, std::shared_ptr<Entry>> cache_;
};

}  // namespace dcvkit::dns
