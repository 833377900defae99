#include "pipeline/publisher_cache.hpp"

#include <nlohmann/json.hpp>

namespace dcvkit::pipeline {
namespace {

// Every field that makes two publishers differ.
std::string key_of(const PublisherSpec& s, DcvMethod method) {
  return nlohmann::json{static_cast<int>(s.kind), s.path, s.hook_timeout_seconds, s.server, s.zone, s.tsig_key_file,
                        s.ttl, s.timeout_ms, s.tcp, api_name(method)}
      .dump();
}

}  // namespace

Result<Publisher*> PublisherCache::get(const PublisherSpec& spec, DcvMethod method) {
  const std::string key = key_of(spec, method);
  std::lock_guard lock(mutex_);
  if (auto it = made_.find(key); it != made_.end()) return it->second.get();
  auto made = make_publisher(spec, method);
  if (!made) return made.error();
  Publisher* publisher = made->get();
  made_.emplace(key, std::move(*made));
  return publisher;
}

std::size_t PublisherCache::size() const {
  std::lock_guard lock(mutex_);
  return made_.size();
}

}  // namespace dcvkit::pipeline
