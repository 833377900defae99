// Where to publish, as data: what `dcvkit publish` flags and a manifest's "publish" object both
// describe, turned into a Publisher in one place.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>

#include "dcvkit/publish.hpp"

namespace dcvkit {

struct PublisherSpec {
  enum class Kind { Webroot, WebrootMap, Rfc2136, Hook };
  Kind kind = Kind::Webroot;
  std::string path;          // Webroot: the directory; WebrootMap: the map file; Hook: the command
  int hook_timeout_seconds = 60;
  std::string server;        // Rfc2136: HOST[:PORT]
  std::string zone;          // Rfc2136: "" = found by an SOA query
  std::string tsig_key_file; // Rfc2136: "" = unsigned updates
  std::uint32_t ttl = 60;
  int timeout_ms = 5000;
  bool tcp = false;

  // Every field, so equal specs make interchangeable publishers (a run shares them). Spelled out
  // rather than a defaulted <=> because the installed headers stay C++17.
  auto fields() const {
    return std::tie(kind, path, hook_timeout_seconds, server, zone, tsig_key_file, ttl, timeout_ms, tcp);
  }
  friend bool operator==(const PublisherSpec& a, const PublisherSpec& b) { return a.fields() == b.fields(); }
  friend bool operator!=(const PublisherSpec& a, const PublisherSpec& b) { return !(a == b); }
  friend bool operator<(const PublisherSpec& a, const PublisherSpec& b) { return a.fields() < b.fields(); }
};

// Fails on a bad server address or TSIG key file, a map that cannot be read, or a backend that
// cannot publish tokens for `method` (InvalidInput "publish.unsupported_method").
Result<std::unique_ptr<Publisher>> make_publisher(const PublisherSpec& spec, DcvMethod method);

}  // namespace dcvkit
