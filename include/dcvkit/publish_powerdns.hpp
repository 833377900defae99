// DNS tokens through the PowerDNS Authoritative HTTP API. Each zone's TXT RRsets are replaced
// (PATCH, changetype REPLACE) by the records already there plus ours, so other tokens stay;
// unpublishing removes exactly ours (DELETE when nothing else is left). Many names of one zone go in
// one PATCH. The API has no conditional update, so after each PATCH the zone is read again and the
// change repeated if another writer replaced the RRset in between.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "dcvkit/publish.hpp"
#include "dcvkit/secret.hpp"

namespace dcvkit {

struct PowerDnsOptions {
  std::string url;                  // the webserver's base URL ("http://127.0.0.1:8081"; "/api/v1" optional)
  Secret api_key;                   // the api-key of pdns.conf, sent as X-API-Key
  std::string server_id = "localhost";
  std::string zone;                 // "" = the longest suffix among the server's zones, per name
  std::uint32_t ttl = 60;           // for a new RRset; an existing one keeps its TTL
  int timeout_ms = 10000;           // per API request
  std::string ca_bundle;            // extra CA certificates (PEM) for an https URL
};

// Fails on a URL that is not http(s) or sends the key in clear text off this machine, or an empty key.
Result<std::unique_ptr<Publisher>> make_powerdns_publisher(PowerDnsOptions options);

}  // namespace dcvkit
