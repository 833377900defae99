// The ACME request loop: every POST is a JWS with a fresh nonce (kept from each answer's
// Replay-Nonce, else fetched from newNonce); badNonce is retried at once with the nonce the
// refusal brought; 429/5xx/connection failures back off (Retry-After honoured) when retrying
// cannot create a second resource.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <mutex>

#include "dcvkit/acme.hpp"

namespace dcvkit::acme {
namespace {

using certcentral::HttpReply;
using certcentral::HttpRequest;
using certcentral::ReplyClass;
using nlohmann::json;

constexpr std::string_view kJose = "application/jose+json";
constexpr std::size_t kMaxNonces = 16;
constexpr auto kFirstPoll = std::chrono::milliseconds(250);
constexpr auto kMaxPoll = std::chrono::milliseconds(5000);

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.is_object()) return out;
  if (auto it = j.find(key); it != j.end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

Error bad_answer(std::string_view what) {
  return make_error(ErrorKind::Network, "acme.bad_answer", "the CA's answer to " + std::string(what) + " is not what RFC 8555 describes",
                    "run with -v to see the answer; check --directory points at an ACME directory");
}

Error transport_error(const HttpReply& r, std::string_view what) {
  if (r.failure == certcentral::TransportFailure::TlsVerify || r.failure == certcentral::TransportFailure::TlsHostMismatch)
    return make_error(ErrorKind::Network, "acme.tls", std::string(what) + ": " + std::string(certcentral::to_string(r.failure)) + ": " + r.error,
                      "the CA's certificate is not trusted here: pass --ca-bundle FILE with its CA (TLS is always verified)");
  if (r.failure != certcentral::TransportFailure::None)
    return make_error(ErrorKind::Network, "acme.network", std::string(what) + ": " + std::string(certcentral::to_string(r.failure)) + ": " + r.error,
                      "check the directory URL and the network; dcvkit retried with backoff");
  return make_error(r.status == 429 ? ErrorKind::RateLimited : ErrorKind::Network, "acme.http_status",
                    std::string(what) + ": the CA answered HTTP " + std::to_string(r.status) + " without a problem document",
                    "run with -v to see the answer");
}

std::optional<Problem> problem_member(const json& j) {
  auto e = j.find("error");
  if (e == j.end() || !e->is_object()) return std::nullopt;
  auto p = parse_problem(e->dump());
  if (!p) return Problem{"", "the CA gave an error without a type", 0, {}, {}};
  return std::move(*p);
}

// -v: the JWS payload as the CA will read it (the JWS itself is logged by the transport).
void log_payload(const certcentral::WireLog& log, const std::string& url, const std::string& payload) {
  if (log) log("> JWS to " + url + ": " + (payload.empty() ? std::string("(POST-as-GET)") : payload));
}

Order parse_order(const json& j, std::string url) {
  Order o;
  o.url = std::move(url);
  o.status = str(j, "status");
  o.authorizations = strings(j, "authorizations");
  o.finalize = str(j, "finalize");
  o.certificate = str(j, "certificate");
  o.expires = str(j, "expires");
  if (auto ids = j.find("identifiers"); ids != j.end() && ids->is_array())
    for (const auto& id : *ids) o.identifiers.push_back(str(id, "value"));
  o.error = problem_member(j);
  return o;
}

Authorization parse_authorization(const json& j, std::string url) {
  Authorization a;
  a.url = std::move(url);
  a.status = str(j, "status");
  if (auto id = j.find("identifier"); id != j.end()) a.identifier = str(*id, "value");
  if (auto w = j.find("wildcard"); w != j.end() && w->is_boolean()) a.wildcard = w->get<bool>();
  if (auto cs = j.find("challenges"); cs != j.end() && cs->is_array()) {
    for (const auto& c : *cs) {
      Challenge ch{str(c, "type"), str(c, "url"), str(c, "token"), str(c, "status"), std::nullopt};
      ch.error = problem_member(c);
      a.challenges.push_back(std::move(ch));
    }
  }
  return a;
}

Account parse_account(const json& j, std::string url, long status) {
  Account a;
  a.url = std::move(url);
  a.status = str(j, "status");
  a.contacts = strings(j, "contact");
  a.orders = str(j, "orders");
  a.created = status == 201;
  a.eab_bound = j.contains("externalAccountBinding");
  return a;
}

// Link: <url>;rel="REL", possibly several in one header or several headers.
std::vector<std::string> links(const HttpReply& r, std::string_view rel) {
  const std::string quoted = "rel=\"" + std::string(rel) + "\"", bare = "rel=" + std::string(rel);
  std::vector<std::string> out;
  for (const auto& [name, value] : r.headers) {
    if (name != "link") continue;
    std::string_view v = value;
    while (!v.empty()) {
      const auto open = v.find('<'), close = v.find('>');
      if (open == std::string_view::npos || close == std::string_view::npos || close < open) break;
      const std::string url(v.substr(open + 1, close - open - 1));
      auto next = v.find('<', close);
      const std::string_view params = v.substr(close + 1, next == std::string_view::npos ? v.size() : next - close - 1);
      if (params.find(quoted) != std::string_view::npos || params.find(bare) != std::string_view::npos) out.push_back(url);
      if (next == std::string_view::npos) break;
      v.remove_prefix(next);
    }
  }
  return out;
}

}  // namespace

struct Client::Impl {
  Impl(ClientOptions o, AccountKey k, std::unique_ptr<certcentral::Transport> t)
      : options(std::move(o)), key(std::move(k)), transport(std::move(t)) {}

  ClientOptions options;
  AccountKey key;
  std::unique_ptr<certcentral::Transport> transport;
  Directory directory;
  std::string account_url;
  std::deque<std::string> nonces;
  std::mutex mutex;  // one request at a time: the nonce pool and the easy handle are shared
  ClientStats stats;

  Timer& timer() const {
    if (options.timer) return *options.timer;
    return dcvkit::steady_timer();
  }

  void keep_nonce(const HttpReply& r) {
    const std::string nonce = r.header("replay-nonce");
    if (nonce.empty() || !is_valid_token(nonce)) return;
    if (nonces.size() >= kMaxNonces) nonces.pop_front();
    nonces.push_back(nonce);
  }

  // A request that creates nothing: retried on 429, 5xx and connection failures.
  Result<HttpReply> get(const std::string& url, std::string_view what) {
    certcentral::Backoff backoff(options.retry, timer(), system_clock(), nullptr);
    for (;;) {
      HttpRequest req;
      req.path = url;
      ++stats.requests;
      HttpReply r = transport->send(req);
      keep_nonce(r);
      const ReplyClass c = certcentral::classify_reply(r, true);
      if (c == ReplyClass::Success) return r;
      if (c == ReplyClass::Retryable && backoff.wait_before_retry(r)) {
        ++stats.transport_retries;
        continue;
      }
      return failure(r, what);
    }
  }

  Error failure(const HttpReply& r, std::string_view what) const {
    if (r.failure == certcentral::TransportFailure::None && r.content_type.find("problem+json") != std::string::npos)
      if (auto p = parse_problem(r.body)) return problem_error(*p, what);
    return transport_error(r, what);
  }

  Result<std::string> fresh_nonce() {
    if (!nonces.empty()) {
      std::string n = std::move(nonces.front());
      nonces.pop_front();
      return n;
    }
    auto r = get(directory.new_nonce, "getting a nonce (newNonce)");
    if (!r) return r.error();
    std::string n = r->header("replay-nonce");
    nonces.clear();  // keep_nonce stored it; it is used now
    if (n.empty()) return bad_answer("newNonce (no Replay-Nonce header)");
    return n;
  }

  // POST (a JWS). `payload` "" is POST-as-GET. `idempotent`: a retry after an ambiguous failure
  // cannot create a second resource (POST-as-GET, respond, deactivate...).
  Result<HttpReply> post(const std::string& url, const std::string& payload, bool use_kid, bool idempotent,
                         std::string_view what) {
    std::lock_guard lock(mutex);
    certcentral::Backoff backoff(options.retry, timer(), system_clock(), nullptr);
    int bad_nonces = 0;
    for (;;) {
      auto nonce = fresh_nonce();
      if (!nonce) return nonce.error();
      auto jws = sign_jws(key, JwsHeader{url, *nonce, use_kid ? account_url : std::string()}, payload);
      if (!jws) return jws.error();
      HttpRequest req;
      req.method = "POST";
      req.path = url;
      req.body = std::move(*jws);
      req.content_type = std::string(kJose);
      req.fresh_connection = !idempotent;
      log_payload(options.wire_log, url, payload);
      ++stats.requests;
      HttpReply r = transport->send(req);
      keep_nonce(r);
      const ReplyClass c = certcentral::classify_reply(r, idempotent);
      if (c == ReplyClass::Success) return r;
      if (r.failure == certcentral::TransportFailure::None && r.status == 400) {
        auto p = parse_problem(r.body);
        if (p && p->short_type() == "badNonce" && bad_nonces < options.bad_nonce_retries) {
          ++bad_nonces;
          ++stats.bad_nonce_retries;
          continue;
        }
      }
      if (c == ReplyClass::Retryable && backoff.wait_before_retry(r)) {
        ++stats.transport_retries;
        continue;
      }
      if (c == ReplyClass::Ambiguous)
        return make_error(ErrorKind::Network, "acme.ambiguous",
                          std::string(what) + ": no clear answer (" +
                              (r.failure == certcentral::TransportFailure::None ? "HTTP " + std::to_string(r.status)
                                                                                 : r.error) +
                              "); the request may have taken effect",
                          "run the command again: an order in progress is found again from its URL");
      return failure(r, what);
    }
  }

  Result<json> post_json(const std::string& url, const std::string& payload, bool idempotent, std::string_view what,
                         HttpReply* reply_out = nullptr) {
    auto r = post(url, payload, true, idempotent, what);
    if (!r) return r.error();
    auto j = json::parse(r->body, nullptr, false);
    if (!j.is_object()) return bad_answer(what);
    if (reply_out) *reply_out = std::move(*r);
    return j;
  }

  Result<Account> account_request(const json& payload, std::string_view what) {
    auto r = post(directory.new_account, payload.dump(), false, true, what);
    if (!r) return r.error();
    const std::string location = r->header("location");
    auto j = json::parse(r->body, nullptr, false);
    if (location.empty() || !j.is_object()) return bad_answer(what);
    account_url = location;
    return parse_account(j, location, r->status);
  }

  // POST-as-GET until `settled` (or the timeout: `late` says what is still missing), sleeping
  // what Retry-After asks or a growing interval in between.
  template <class T, class Parse, class Settled, class Late>
  Result<T> poll(const std::string& url, std::chrono::seconds timeout, std::string_view what, Parse parse,
                 Settled settled, Late late) {
    const auto deadline = timer().now() + timeout;
    auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstPoll);
    for (;;) {
      HttpReply reply;
      auto j = post_json(url, "", true, what, &reply);
      if (!j) return j.error();
      T value = parse(*j, url);
      if (settled(value)) return value;
      if (timer().now() >= deadline) return late(value);
      pause(reply, interval);
    }
  }

  // Sleeps before the next poll: what Retry-After asks (bounded), else the growing interval.
  void pause(const HttpReply& r, std::chrono::milliseconds& interval) {
    std::chrono::milliseconds wait = interval;
    if (auto s = certcentral::parse_retry_after(r.retry_after, system_clock().now()))
      wait = std::clamp<std::chrono::milliseconds>(*s, kFirstPoll, std::chrono::milliseconds(60000));
    timer().sleep_for(wait);
    interval = std::min<std::chrono::milliseconds>(kMaxPoll, interval * 3 / 2);
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::connect(ClientOptions options, AccountKey key,
                                                 std::unique_ptr<certcentral::Transport> transport) {
  if (!transport) {
    certcentral::TransportOptions t;
    t.base_url = options.directory_url;
    t.ca_bundle = options.ca_bundle;
    t.connect_timeout_ms = options.connect_timeout_ms;
    t.timeout_ms = options.timeout_ms;
    t.wire_log = options.wire_log;
    auto made = certcentral::make_curl_transport(std::move(t));
    if (!made) return made.error();
    transport = std::move(*made);
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(key), std::move(transport));
  auto r = impl->get(impl->options.directory_url, "reading the ACME directory");
  if (!r) return r.error();
  auto j = json::parse(r->body, nullptr, false);
  Directory& d = impl->directory;
  d.new_nonce = str(j, "newNonce");
  d.new_account = str(j, "newAccount");
  d.new_order = str(j, "newOrder");
  d.revoke_cert = str(j, "revokeCert");
  d.key_change = str(j, "keyChange");
  d.renewal_info = str(j, "renewalInfo");
  if (auto meta = j.is_object() ? j.find("meta") : j.end(); j.is_object() && meta != j.end() && meta->is_object()) {
    d.terms_of_service = str(*meta, "termsOfService");
    d.website = str(*meta, "website");
    if (auto eab = meta->find("externalAccountRequired"); eab != meta->end() && eab->is_boolean())
      d.external_account_required = eab->get<bool>();
  }
  if (d.new_nonce.empty() || d.new_account.empty() || d.new_order.empty())
    return make_error(ErrorKind::InvalidInput, "acme.bad_directory",
                      "'" + impl->options.directory_url + "' is not an ACME directory (no newNonce/newAccount/newOrder)",
                      "give the CA's ACME directory URL, or a preset: letsencrypt, letsencrypt-staging, digicert, zerossl, google, jprs");
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

const Directory& Client::directory() const { return impl_->directory; }
const AccountKey& Client::key() const { return impl_->key; }
const std::string& Client::account_url() const { return impl_->account_url; }
const ClientStats& Client::stats() const { return impl_->stats; }

Result<Account> Client::register_account(const NewAccount& request) {
  json payload = {{"termsOfServiceAgreed", request.terms_agreed}};
  if (!request.contacts.empty()) payload["contact"] = request.contacts;
  if (request.eab) {
    auto binding = eab_jws(*request.eab, impl_->key, impl_->directory.new_account);
    if (!binding) return binding.error();
    payload["externalAccountBinding"] = json::parse(*binding);
  } else if (impl_->directory.external_account_required) {
    return make_error(ErrorKind::ApiAuth, "acme.externalAccountRequired",
                      "this CA requires External Account Binding (its directory says externalAccountRequired)",
                      "pass --eab-kid ID and --eab-hmac-key-file FILE (or DCVKIT_EAB_HMAC_KEY) with the credentials "
                      "from the CA's account console");
  }
  return impl_->account_request(payload, "creating the account");
}

Result<Account> Client::find_account() {
  return impl_->account_request(json{{"onlyReturnExisting", true}}, "looking up the account");
}

Result<Account> Client::deactivate_account() {
  if (impl_->account_url.empty())
    if (auto found = find_account(); !found) return found.error();
  auto j = impl_->post_json(impl_->account_url, R"({"status":"deactivated"})", true, "deactivating the account");
  if (!j) return j.error();
  return parse_account(*j, impl_->account_url, 200);
}

Result<Order> Client::new_order(const std::vector<std::string>& names) {
  json ids = json::array();
  for (const auto& n : names) ids.push_back({{"type", "dns"}, {"value", n}});
  certcentral::HttpReply reply;
  auto j = impl_->post_json(impl_->directory.new_order, json{{"identifiers", ids}}.dump(), false, "creating the order", &reply);
  if (!j) return j.error();
  const std::string url = reply.header("location");
  if (url.empty()) return bad_answer("newOrder (no Location header)");
  return parse_order(*j, url);
}

Result<std::vector<std::string>> Client::list_orders(const std::string& orders_url, int max_pages) {
  std::vector<std::string> out;
  std::string url = orders_url;
  for (int page = 0; page < max_pages && !url.empty(); ++page) {
    certcentral::HttpReply reply;
    auto j = impl_->post_json(url, "", true, "listing the account's orders", &reply);
    if (!j) return j.error();
    if (!j->contains("orders") || !(*j)["orders"].is_array()) return bad_answer("the orders list");
    for (const auto& o : (*j)["orders"])
      if (o.is_string()) out.push_back(o.get<std::string>());
    const auto next = links(reply, "next");
    url = next.empty() ? std::string() : next.front();  // RFC 8555 7.1.2.1: more pages are linked with rel="next"
  }
  return out;
}

Result<Order> Client::fetch_order(const std::string& url) {
  auto j = impl_->post_json(url, "", true, "reading the order");
  if (!j) return j.error();
  return parse_order(*j, url);
}

Result<Authorization> Client::fetch_authorization(const std::string& url) {
  auto j = impl_->post_json(url, "", true, "reading an authorization");
  if (!j) return j.error();
  return parse_authorization(*j, url);
}

Status Client::respond(const Challenge& challenge) {
  auto j = impl_->post_json(challenge.url, "{}", true, "responding to the " + challenge.type + " challenge");
  if (!j) return j.error();
  return {};
}

Result<Authorization> Client::wait_authorization(const std::string& url, std::chrono::seconds timeout) {
  return impl_->poll<Authorization>(
      url, timeout, "reading an authorization", parse_authorization,
      [](const Authorization& a) { return a.status != "pending" && a.status != "processing"; },
      [](const Authorization& a) {
        return make_error(ErrorKind::NotIssued, "acme.timeout", "the CA has not validated " + a.name() + " yet",
                          "raise --timeout, or check the challenge is reachable (dcvkit check)");
      });
}

Result<Order> Client::finalize(const Order& order, std::string_view csr_der) {
  auto j = impl_->post_json(order.finalize, json{{"csr", base64url(csr_der)}}.dump(), true, "finalizing the order");
  if (!j) return j.error();
  return parse_order(*j, order.url);
}

Result<Order> Client::wait_order(const std::string& url, std::chrono::seconds timeout) {
  return impl_->poll<Order>(
      url, timeout, "reading the order", parse_order, [](const Order& o) { return o.status != "processing"; },
      [](const Order& o) {
        return make_error(ErrorKind::NotIssued, "acme.timeout", "the CA is still processing the order " + o.url,
                          "run the command again later: the order is found again from its URL");
      });
}

Result<CertificateDownload> Client::download(const std::string& url) {
  auto r = impl_->post(url, "", true, true, "downloading the certificate");
  if (!r) return r.error();
  return CertificateDownload{r->body, links(*r, "alternate")};
}

Status Client::revoke(std::string_view certificate_der, std::optional<int> reason) {
  if (impl_->directory.revoke_cert.empty())
    return make_error(ErrorKind::ApiRejected, "acme.unsupported", "this CA's directory offers no revokeCert", "");
  if (impl_->account_url.empty())
    if (auto found = find_account(); !found) return found.error();
  json payload = {{"certificate", base64url(certificate_der)}};
  if (reason) payload["reason"] = *reason;
  auto r = impl_->post(impl_->directory.revoke_cert, payload.dump(), true, true, "revoking the certificate");
  if (!r) return r.error();
  return {};
}

}  // namespace dcvkit::acme
