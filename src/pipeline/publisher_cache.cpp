#include "pipeline/publisher_cache.hpp"

namespace dcvkit::pipeline {

Result<Publisher*> PublisherCache::get(const PublisherSpec& spec, DcvMethod method) {
  auto key = std::make_pair(spec, method);
  std::lock_guard lock(mutex_);
  if (auto it = made_.find(key); it != made_.end()) return it->second.get();
  auto made = make_publisher(spec, method);
  if (!made) return made.error();
  Publisher* publisher = made->get();
  made_.emplace(std::move(key), std::move(*made));
  return publisher;
}

std::size_t PublisherCache::size() const {
  std::lock_guard lock(mutex_);
  return made_.size();
}

}  // namespace dcvkit::pipeline
