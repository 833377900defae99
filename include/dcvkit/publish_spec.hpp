// Where to publish, as data: what `dcvkit publish` flags and a manifest's "publish" object both
// describe, turned into a Publisher in one place. Which providers exist is the registry's answer
// (publish_providers()); each provider lives in its own folder under src/publish/.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "dcvkit/publish.hpp"

namespace dcvkit {

struct PublisherSpec {
  // The names of the providers that predate the registry; any registry name is a valid `kind`.
  struct Kind {
    static constexpr std::string_view Webroot = "webroot";
    static constexpr std::string_view WebrootMap = "webroot-map";
    static constexpr std::string_view Rfc2136 = "rfc2136";
    static constexpr std::string_view Hook = "hook";
  };
  std::string kind{Kind::Webroot};  // a provider's registry name
  // Settings several providers share; each reads the ones its documentation names.
  std::string path;          // webroot: the directory; webroot-map: the map file; hook: the command
  int hook_timeout_seconds = 60;
  std::string server;        // rfc2136: HOST[:PORT]; powerdns: the API's base URL
  std::string zone;          // "" = found by the provider (SOA query, the API's zone list)
  std::string tsig_key_file; // rfc2136: "" = unsigned updates
  std::uint32_t ttl = 60;
  int timeout_ms = 5000;
  bool tcp = false;
  // A provider's own settings by name (e.g. powerdns "server_id", hook "hook_style").
  std::map<std::string, std::string, std::less<>> settings;

  // Every field, so equal specs make interchangeable publishers (a run shares them). Spelled out
  // rather than a defaulted <=> because the installed headers stay C++17.
  auto fields() const {
    return std::tie(kind, path, hook_timeout_seconds, server, zone, tsig_key_file, ttl, timeout_ms, tcp, settings);
  }
  friend bool operator==(const PublisherSpec& a, const PublisherSpec& b) { return a.fields() == b.fields(); }
  friend bool operator!=(const PublisherSpec& a, const PublisherSpec& b) { return !(a == b); }
  friend bool operator<(const PublisherSpec& a, const PublisherSpec& b) { return a.fields() < b.fields(); }
};

// Fails on an unknown provider, bad settings (a server address, a key file, a map that cannot be
// read), or a provider that cannot publish tokens for `method` (InvalidInput
// "publish.unsupported_method", the hint naming those that can).
Result<std::unique_ptr<Publisher>> make_publisher(const PublisherSpec& spec, DcvMethod method);

// What the registry holds, for help, docs and programs that list the choices.
struct PublishProviderInfo {
  std::string name;          // PublisherSpec::kind
  std::string cli_flag;      // the `dcvkit publish` option that chooses it ("--server")
  std::string manifest_key;  // its key in a manifest's "publish" object; "" = command line only
  std::vector<DcvMethod> methods;
  std::string summary;
};
std::vector<PublishProviderInfo> publish_providers();

}  // namespace dcvkit
