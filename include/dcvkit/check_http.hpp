// What the CA's HTTP check sees for a name (DigiCert DCV library rules): GET
// /.well-known/pki-validation/fileauth.txt over https (certificate NOT verified), then over http
// only when https gave no 2xx answer (MpicFileService.getPrimaryOnlyFileResponse: the first URL
// whose fetch succeeds is the only one judged);
// redirects 301/302/307/308 only, at most 5, no loops, relative Location allowed, absolute only to
// http/https on the default port and within the same registrable domain (libpsl); 2xx required;
// body read up to 5,000 characters; connect timeout 2 s, read 5 s. Asynchronous (libcurl multi).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dcvkit/error.hpp"
#include "dcvkit/net.hpp"
#include "dcvkit/plan.hpp"

namespace dcvkit {

struct HttpProbeOptions {
  // Split-horizon and tests: URLs keep the default ports, connections go here instead
  // (CURLOPT_CONNECT_TO). connect_address empty: the name's own address.
  std::uint16_t http_port = 80, https_port = 443;
  std::string connect_address;
  // Where host names are resolved when connect_address is empty: this recursive resolver (the one
  // the DNS probe asks), A records only, as the CA does (CustomDnsResolver.java). Empty host:
  // libcurl resolves through the system (IPv4 only all the same).
  HostPort resolver{"", 53};
  int resolve_timeout_ms = 3000;
  // Fetch from every A record of the name and report each (a pool where one node lacks the file
  // fails at the CA now and then). Needs `resolver`.
  bool all_addresses = false;
  int connect_timeout_ms = 2000;
  int read_timeout_ms = 5000;
  std::size_t max_in_flight = 100;
  std::size_t body_limit = 5000;         // what the CA reads
  std::size_t diagnostic_limit = 65536;  // read on, to say when a token sits past body_limit
};

// Whose fetch rules a name is checked by.
//   DigiCert: the above.
//   AcmeHttp01: Let's Encrypt's validation authority (RFC 8555 §8.3; Boulder va/http.go): http://
//   only (no https first); redirects 301/302/307/308 to http or https on port 80 or 443 (an
//   explicit :80 or :443 with either scheme), to a host name (not an IP address) anywhere, at most
//   10, no loops. The judge then wants status 200 exactly and fewer than 128 body bytes.
enum class HttpRules { DigiCert, AcmeHttp01 };

struct HttpTarget {
  std::string name;
  std::string path = std::string(kFileAuthPath);
  HttpRules rules = HttpRules::DigiCert;
};

struct HttpHop {
  std::string url;
  long status = 0;        // 0: no HTTP response
  std::string location;   // the redirect target as resolved, when there was one
  std::string error;      // transport error text (curl), when status is 0
  std::string address;    // the IP address connected to (or tried)
};

// One attempt: starting from the https URL, or from the http URL.
struct HttpAttempt {
  std::string start_url;
  std::vector<HttpHop> hops;
  // "" when a 2xx body was read; else "http.connect_failed", "http.timeout", "http.not_found",
  // "http.client_error", "http.status_5xx", "http.status_other", "http.redirect_offsite",
  // "http.redirect_bad_port", "http.redirect_bad_scheme", "http.too_many_redirects", "http.redirect_loop",
  // "http.no_address", "http.ipv6_only" (the resolver gave no IPv4 address for a host);
  // AcmeHttp01 rules: "acme.redirect_to_ip" (a redirect to an IP address).
  std::string error_code;
  std::string error_detail;  // for a person: which URL, what came back
  std::string body;          // the first body_limit characters of the 2xx body
  std::string beyond;        // what followed them, up to diagnostic_limit
};

struct HttpObservation {
  std::string name;
  std::vector<HttpAttempt> attempts;  // https first; then http only when https gave no 2xx body
  double elapsed_ms = 0;
  // all_addresses: one observation per A record of the name (its `address` set, the name's host
  // pinned to it), and `attempts` empty; unless the name had no A record to fan out to.
  std::string address;
  std::vector<HttpObservation> per_address;
};

class HttpProbe {
 public:
  static Result<std::unique_ptr<HttpProbe>> create(const HttpProbeOptions& options);
  virtual ~HttpProbe() = default;
  // A 2xx https answer ends the name, whatever its body: the CA judges that body alone.
  void submit(std::string name, std::function<void(HttpObservation)> done) {
    fetch(HttpTarget{std::move(name)}, std::move(done));
  }
  // Any path, by either set of rules.
  virtual void fetch(HttpTarget target, std::function<void(HttpObservation)> done) = 0;
  virtual void run() = 0;
};

}  // namespace dcvkit
