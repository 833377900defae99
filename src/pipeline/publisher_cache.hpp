// The publishers of one run: one per distinct publish spec (and method), made when first needed
// and shared by every certificate and worker after that (publishers are thread-safe), so a run
// of many certificates with one webroot map or one TSIG key reads that file once, not per
// certificate and step.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "dcvkit/publish_spec.hpp"

namespace dcvkit::pipeline {

class PublisherCache {
 public:
  // The publisher for `spec`, made on first use. A spec that fails is not kept: the error comes
  // back, and the next call tries again (a key file fixed meanwhile is picked up).
  Result<Publisher*> get(const PublisherSpec& spec, DcvMethod method);
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<PublisherSpec, DcvMethod>, std::unique_ptr<Publisher>> made_;
};

}  // namespace dcvkit::pipeline
