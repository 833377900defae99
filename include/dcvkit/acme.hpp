// An ACME (RFC 8555) client: directory, nonces, accounts (with External Account Binding), orders,
// authorizations, challenges, finalize, certificate download, revocation. Every request is a JWS
// signed with the account key over the shared libcurl transport (TLS always verified). Problem
// documents become dcvkit Errors with code "acme.<problem type>" and a hint a person can act on.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/acme_jose.hpp"
#include "dcvkit/certcentral_pacing.hpp"
#include "dcvkit/certcentral_transport.hpp"
#include "dcvkit/error.hpp"

namespace dcvkit::acme {

// Directory presets: a name users can type instead of the URL, with what the CA needs for EAB.
struct DirectoryPreset {
  std::string_view name;
  std::string_view url;
  std::string_view eab;  // "none", "required", ...
};
const std::vector<DirectoryPreset>& directory_presets();
// A preset name, or an https:// URL (http:// only to a loopback address). InvalidInput "acme.bad_directory".
Result<std::string> resolve_directory(std::string_view text);

struct Directory {
  std::string new_nonce, new_account, new_order, revoke_cert, key_change, renewal_info;
  std::string terms_of_service, website;
  bool external_account_required = false;
};

// An RFC 7807 problem document.
struct Problem {
  std::string type;    // "urn:ietf:params:acme:error:badNonce"
  std::string detail;
  long status = 0;
  std::string identifier;             // a subproblem's identifier value
  std::vector<Problem> subproblems;
  std::string short_type() const;     // "badNonce" (the part after the ACME namespace)
};
Result<Problem> parse_problem(std::string_view json);
// The Error a problem becomes: code "acme.<short type>", kind by meaning (rateLimited ->
// RateLimited, unauthorized/externalAccountRequired -> ApiAuth, serverInternal -> Network, the
// challenge failures -> CheckFailed, the rest -> ApiRejected), the CA's detail in the message,
// and a hint. `during` says what was being done ("creating the account").
Error problem_error(const Problem& problem, std::string_view during);

struct Challenge {
  std::string type;    // "http-01", "dns-01", ...
  std::string url;
  std::string token;
  std::string status;  // pending, processing, valid, invalid
  std::optional<Problem> error;
};

struct Authorization {
  std::string url;
  std::string identifier;  // the DNS name, without "*." (see wildcard)
  bool wildcard = false;
  std::string status;      // pending, valid, invalid, deactivated, expired, revoked
  std::vector<Challenge> challenges;
  std::string name() const { return wildcard ? "*." + identifier : identifier; }
  const Challenge* challenge(std::string_view type) const;
};

struct Order {
  std::string url;
  std::string status;  // pending, ready, processing, valid, invalid
  std::vector<std::string> identifiers;
  std::vector<std::string> authorizations;
  std::string finalize, certificate, expires;
  std::optional<Problem> error;
};

struct Account {
  std::string url;
  std::string status;  // valid, deactivated, revoked
  std::vector<std::string> contacts;
  std::string orders;
  bool created = false;  // 201 (new) rather than 200 (it existed)
  bool eab_bound = false;
};

struct NewAccount {
  std::vector<std::string> contacts;  // "mailto:a@example.com"
  bool terms_agreed = false;
  std::optional<EabCredentials> eab;
};

// A certificate as downloaded: the PEM chain, and the URLs of alternate chains (Link rel="alternate").
struct CertificateDownload {
  std::string pem;
  std::vector<std::string> alternates;
};

struct ClientOptions {
  std::string directory_url;   // resolved (see resolve_directory)
  std::string ca_bundle;       // PEM trusted in addition to the system CAs (TLS, and as chain anchors)
  long connect_timeout_ms = 10000;
  long timeout_ms = 60000;
  certcentral::RetryPolicy retry;  // 5xx, 429 and connection failures (Retry-After honoured)
  int bad_nonce_retries = 5;       // badNonce: retried at once with the nonce the refusal brought
  certcentral::WireLog wire_log;   // -v: each request; JWS payloads shown decoded, signatures and keys never
  certcentral::Timer* timer = nullptr;  // null: the real clock
};

struct ClientStats {
  int requests = 0;
  int bad_nonce_retries = 0;
  int transport_retries = 0;
};

class Client {
 public:
  // Reads the directory. `transport` null: libcurl with the options' CA bundle and timeouts.
  static Result<std::unique_ptr<Client>> connect(ClientOptions options, AccountKey key,
                                                 std::unique_ptr<certcentral::Transport> transport = nullptr);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const Directory& directory() const;
  const AccountKey& key() const;
  const std::string& account_url() const;  // "" until registered or found
  const ClientStats& stats() const;

  // newAccount; with `eab` the externalAccountBinding. An existing account for the key is returned
  // as it is (created = false).
  Result<Account> register_account(const NewAccount& request);
  // newAccount with onlyReturnExisting: "acme.accountDoesNotExist" when the key has no account.
  Result<Account> find_account();
  Result<Account> deactivate_account();

  Result<Order> new_order(const std::vector<std::string>& names);
  Result<Order> fetch_order(const std::string& url);
  // The order URLs of the account's orders list (Account::orders, RFC 8555 7.1.2.1), following
  // rel="next" pages up to `max_pages`. How a run finds an order whose URL it never got.
  Result<std::vector<std::string>> list_orders(const std::string& orders_url, int max_pages = 10);
  Result<Authorization> fetch_authorization(const std::string& url);
  Status respond(const Challenge& challenge);
  // Polls (backoff from 0.25 s to 5 s, or what Retry-After asks) while the status is pending or
  // processing, up to `timeout`. NotIssued "acme.timeout" when it is still not settled.
  Result<Authorization> wait_authorization(const std::string& url, std::chrono::seconds timeout);
  Result<Order> finalize(const Order& order, std::string_view csr_der);
  Result<Order> wait_order(const std::string& url, std::chrono::seconds timeout);
  Result<CertificateDownload> download(const std::string& url);
  // By the account key (the certificate must be this account's). `reason`: RFC 5280 code.
  Status revoke(std::string_view certificate_der, std::optional<int> reason);

  struct Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dcvkit::acme
