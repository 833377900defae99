// One HTTP exchange with the CertCentral API, and what went wrong when no answer came back.
// The Transport interface lets tests script replies; make_curl_transport() is the real one
// (libcurl, TLS verification always on, keep-alive). Secrets never appear in the wire log.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dcvkit/error.hpp"
#include "dcvkit/secret.hpp"

namespace dcvkit::certcentral {

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE
  std::string path;            // below the base URL, query included: "/order/certificate/12"; or a whole
                               // http(s):// URL (ACME names every resource by its full URL)
  std::string body;            // JSON (sent for POST, PUT and PATCH)
  std::string accept = "application/json";
  std::string content_type = "application/json";  // of the body (ACME: application/jose+json)
  // Never send this on a kept-alive connection: libcurl silently resends a request when a reused
  // connection dies before any answer byte, which for an order POST could buy a second order.
  bool fresh_connection = false;
};

enum class TransportFailure {
  None,            // an HTTP answer arrived (any status)
  NotSent,         // name resolution or TCP connect failed: nothing left this machine
  TlsHandshake,    // the TLS handshake failed before the request was sent (may be transient)
  TlsVerify,       // the server's certificate is not trusted: permanent, never retried
  TlsHostMismatch, // the certificate is trusted but names another host: permanent, never retried
  TlsProtocol,     // the server offers no TLS version we accept (1.2 or later): permanent
  Timeout,         // the time limit passed (see maybe_sent)
  ConnectionLost,  // closed or reset while sending or before a complete answer
  TooLarge,        // the answer passed the size cap (16 MiB): not CertCentral's; retrying fetches it again
  Local,           // the request cannot be made from here at all (a URL libcurl refuses): nothing sent, permanent
  Other,
};
std::string_view to_string(TransportFailure failure);

struct HttpReply {
  long status = 0;                 // 0: no status line arrived
  std::string body;
  std::string content_type;
  std::string retry_after;         // raw Retry-After header, "" when absent
  // Every header of the final answer, names lowercased, in arrival order (ACME reads Location,
  // Replay-Nonce and Link rel="alternate" from here).
  std::vector<std::pair<std::string, std::string>> headers;
  TransportFailure failure = TransportFailure::None;
  bool maybe_sent = false;         // the request may have reached the server (failures only)
  std::string error;               // what failed, for a person (no secrets)
  double elapsed_ms = 0;
  bool ok() const { return failure == TransportFailure::None && status >= 200 && status < 300; }
  // The first value of a header (`name` lowercase), "" when absent.
  std::string header(std::string_view name) const {
    for (const auto& [n, v] : headers)
      if (n == name) return v;
    return {};
  }
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual HttpReply send(const HttpRequest& request) = 0;
};

using WireLog = std::function<void(std::string_view line)>;

struct TransportOptions {
  std::string base_url;      // "https://www.digicert.com/services/v2" (see resolve_api_url)
  Secret api_key;            // sent in key_header (not sent when empty: ACME signs its requests instead)
  std::string key_header = "X-DC-DEVKEY";  // PowerDNS: "X-API-Key"
  std::string ca_bundle;     // PEM file trusted in addition to the system's CAs ("" = none)
  long connect_timeout_ms = 10000;
  long timeout_ms = 90000;   // per request, everything included (an order validates names first)
  WireLog wire_log;          // -v: each request and answer, X-DC-DEVKEY and AuthKeys redacted
};

// libcurl easy handle kept across calls (HTTP keep-alive, TLS session reuse). Peer and host
// verification are always on; there is no option to turn them off.
Result<std::unique_ptr<Transport>> make_curl_transport(TransportOptions options);

// For wire logs: every value of an "auth_key" / "api_key" JSON member, and every occurrence of
// each given secret, replaced by "[redacted]".
std::string redact(std::string_view text, std::initializer_list<std::string_view> secrets = {});

}  // namespace dcvkit::certcentral
