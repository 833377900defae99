// An ACME CA (RFC 8555) behind the order backend. The order comes first; complete() publishes its
// challenges through the run's publishers, pre-checks them, answers them, finalizes with the
// entry's CSR and downloads the chain (acme::issue_certificate, resumed from the order URL).
// Exactly-once: the intent is in the ledger before newOrder leaves and the order URL right after
// (ACME order URLs are stable); a run killed in between finds the order again in the account's
// orders list, skipping every order an earlier issuance of the entry used.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "dcvkit/acme.hpp"
#include "dcvkit/acme_issuance.hpp"
#include "dcvkit/files.hpp"
#include "pipeline/order_backend.hpp"
#include "pipeline/visibility.hpp"

namespace dcvkit::pipeline {
namespace {

// A newOrder may be in flight this long (the client's request time limit) plus slack.
constexpr UnixSeconds kNewOrderInFlight = 90;

Result<acme::Account> find_or_register(acme::Client& client, const AcmeCaSpec& ca) {
  auto found = client.find_account();
  if (found || found.error().code != "acme.accountDoesNotExist") return found;
  if (!ca.agree_tos)
    return make_error(ErrorKind::Usage, "acme.terms_not_agreed",
                      "the account key " + ca.account_key + " has no account at " + ca.directory +
                          ", and the manifest does not agree to the CA's terms",
                      "add \"agree_tos\": true to \"ca.acme\" to register it in the run, or register it first: dcvkit acme "
                      "register --directory " + ca.directory + " --account-key " + ca.account_key + " --agree-tos");
  acme::NewAccount request;
  request.terms_agreed = true;
  if (!ca.email.empty()) request.contacts.push_back("mailto:" + ca.email);
  if (!ca.eab_kid.empty()) {
    auto eab = acme::load_eab_credentials(ca.eab_kid, ca.eab_hmac_key_file, nullptr);
    if (!eab) return eab.error();
    request.eab = std::move(*eab);
  }
  return client.register_account(request);
}

// A problem document that refuses (RFC 8555 §6.7) is the CA's final word on a newOrder: no order
// exists. A network failure, an unreadable answer or serverInternal may have left one behind.
bool refused_by_ca(const Error& e) {
  switch (e.kind) {
    case ErrorKind::ApiAuth:
    case ErrorKind::ApiRejected:
    case ErrorKind::RateLimited:
    case ErrorKind::InvalidInput:
    case ErrorKind::Usage: return true;
    default: return false;
  }
}

class AcmeBackend final : public OrderBackend {
 public:
  AcmeBackend(std::unique_ptr<acme::Client> client, acme::Account account)
      : client_(std::move(client)), account_(std::move(account)) {}

  bool validates_before_order() const override { return false; }

  Result<IssuedChain> place(const OrderContext& c) override {
    auto names = csr_names(c);
    if (!names) return names.error();
    if (auto key = c.ledger.record_order_intent(c.spec.id, c.now() + kNewOrderInFlight); !key) return key.error();
    auto order = client_->new_order(*names);
    if (!order) {
      if (refused_by_ca(order.error()))
        if (auto st = c.ledger.withdraw_order_intent(c.spec.id, Stage::CsrReady, order.error().code); !st) return st.error();
      return order.error();
    }
    c.progress(Stage::Ordered, "order " + order->url + " is " + order->status);
    if (auto st = c.ledger.record_order(c.spec.id, order->url, 0); !st) return st.error();
    return IssuedChain{};
  }

  Result<std::optional<std::string>> find_lost(const OrderContext& c) override {
    if (account_.orders.empty()) {
      c.notice(Stage::Ordering, "the CA does not list an account's orders: a new order replaces the interrupted one "
                                "(an unfinished ACME order costs nothing and expires)");
      return std::optional<std::string>();
    }
    auto names = csr_names(c);
    if (!names) return names.error();
    // The interrupted newOrder may still be at work in the CA until its in-flight deadline (kept
    // with the intent): looking before then could miss it and place a second order.
    if (const UnixSeconds left = std::min(c.entry.order_in_flight_until - c.now(), kNewOrderInFlight); left > 0) {
      c.notice(Stage::Ordering, "the interrupted order request may still be in flight: looking for it in " +
                                    std::to_string(left) + " s");
      (c.options.timer ? *c.options.timer : steady_timer()).sleep_for(std::chrono::seconds(left));
    }
    auto used = orders_used_before(c);
    if (!used) return used.error();
    auto urls = client_->list_orders(account_.orders);
    if (!urls) return urls.error();
    const std::set<std::string> wanted(names->begin(), names->end());
    // Newest last in every list we know of: the interrupted run's order is the latest match.
    for (std::size_t i = urls->size(); i-- > 0;) {
      const std::string& url = (*urls)[i];
      if (used->count(url)) continue;
      auto order = client_->fetch_order(url);
      if (!order || order->status == "invalid") continue;
      if (std::set<std::string>(order->identifiers.begin(), order->identifiers.end()) != wanted) continue;
      c.progress(Stage::Ordered, "found order " + url + " from the interrupted run");
      if (auto st = c.ledger.record_order(c.spec.id, url, 0); !st) return st.error();
      return std::optional<std::string>(url);
    }
    return std::optional<std::string>();
  }

  Result<IssuedChain> complete(const OrderContext& c) override {
    auto publisher = c.publishers.get(c.spec.publish, c.spec.method);
    if (!publisher) return publisher.error();
    const AcmeCaSpec& ca = *c.spec.acme;
    acme::IssueRequest request;
    request.csr_pem = c.csr.bytes;
    request.challenge = ca.challenge;
    request.publisher = *publisher;
    request.preferred_chain = ca.preferred_chain;
    request.ca_bundle = ca.ca_bundle;
    request.resume_order_url = c.entry.order_ref;
    request.timeout = c.options.issue_deadline;
    request.progress = [&](std::string_view line) { c.progress(Stage::Ordered, std::string(line)); };
    // The CA validates each challenge once: what it will see is checked first, and re-checked
    // while it is not visible yet (a slow DNS secondary, a CDN), until the check deadline.
    request.before_respond = [&](const std::vector<acme::PublishedChallenge>& published) -> Status {
      std::vector<CheckRequest> requests;
      requests.reserve(published.size());
      for (const auto& p : published) {
        requests.push_back(acme_check_request(p.name, ca.challenge, p.key_authorization));
        requests.back().caa = false;  // the record an ACME CA looks for names that CA, not DigiCert
      }
      auto st = check_until_visible(c.checks, requests, c.options,
                                    [&](const std::string& line) { c.progress(Stage::Ordered, line); });
      if (st) c.progress(Stage::Ordered, "every challenge is visible: answering them");
      return st;
    };
    auto issued = acme::issue_certificate(*client_, request);
    if (!issued) return issued.error();
    return IssuedChain{0, 0, std::move(issued->pems)};
  }


  Result<std::string> revoke(const LedgerEntry& entry, const std::string& reason) override {
    auto der = acme::certificate_der(entry.chain_pem);
    if (!der) return der.error();
    std::optional<int> code;
    if (!reason.empty()) code = acme::parse_revocation_reason(reason);
    if (auto done = client_->revoke(*der, code); !done) return done.error();
    return std::string("certificate of order ") + entry.order_ref + " revoked";
  }

  std::size_t requests() const override { return static_cast<std::size_t>(client_->stats().requests); }

 private:
  static Result<std::vector<std::string>> csr_names(const OrderContext& c) {
    auto info = inspect_csr(c.csr);
    if (!info) return info.error();
    return info->names();
  }

  // The orders this entry was issued from before (its ledger's "order" events): a renewal must
  // not mistake the last certificate's order for the one an interrupted run placed.
  static Result<std::set<std::string>> orders_used_before(const OrderContext& c) {
    auto events = c.ledger.events(c.spec.id);
    if (!events) return events.error();
    std::set<std::string> out;
    for (const auto& e : *events) {
      if (e.kind != "order") continue;
      const auto j = nlohmann::json::parse(e.detail_json, nullptr, false);
      if (j.is_object() && j.contains("order_ref") && j["order_ref"].is_string()) out.insert(j["order_ref"].get<std::string>());
    }
    return out;
  }

  std::unique_ptr<acme::Client> client_;
  acme::Account account_;
};

}  // namespace

Result<std::unique_ptr<OrderBackend>> make_acme_backend(const ManifestEntry& spec, const PipelineOptions& options) {
  const AcmeCaSpec& ca = *spec.acme;
  // Workers make their clients at the same time: one key file is generated once, not raced.
  static std::mutex key_mutex;
  Result<acme::AccountKey> key = [&]() -> Result<acme::AccountKey> {
    std::lock_guard lock(key_mutex);
    // A key made here goes into a directory made here, private as the key directory is.
    const std::string parent = std::filesystem::path(ca.account_key).parent_path().string();
    if (std::error_code ec; !parent.empty() && !std::filesystem::exists(parent, ec))
      if (auto made = ensure_private_dir(parent, "account key directory"); !made) return made.error();
    bool created = false;
    return acme::AccountKey::load_or_create(ca.account_key, acme::KeyAlgorithm::ES256, created);
  }();
  if (!key) return key.error();
  acme::ClientOptions o;
  o.directory_url = ca.directory;
  o.ca_bundle = ca.ca_bundle;
  o.wire_log = options.acme_wire_log;
  auto client = acme::Client::connect(std::move(o), std::move(*key));
  if (!client) return client.error();
  // One registration per account, also when several workers start on it together.
  static std::mutex account_mutex;
  std::lock_guard lock(account_mutex);
  auto account = find_or_register(**client, ca);
  if (!account) return account.error();
  return std::unique_ptr<OrderBackend>(new AcmeBackend(std::move(*client), std::move(*account)));
}

}  // namespace dcvkit::pipeline
