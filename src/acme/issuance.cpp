// One certificate through ACME, from the order to the verified chain.
#include "dcvkit/acme_issuance.hpp"

#include <openssl/pem.h>

#include <algorithm>
#include <optional>

#include "dcvkit/csr.hpp"
#include "dcvkit/files.hpp"
#include "dcvkit/plan.hpp"
#include "util/openssl_ptr.hpp"

namespace dcvkit::acme {
namespace {

constexpr std::size_t kMaxBundleBytes = std::size_t{4} * 1024 * 1024;

ossl::X509Ptr parse_certificate(std::string_view pem) {
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  return cert;
}

std::string issuer_cn(const X509* cert) {
  char buf[256] = {};
  const int n = X509_NAME_get_text_by_NID(X509_get_issuer_name(cert), NID_commonName, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

bool issued_by(X509* issuer, X509* cert) {
  const bool ok = X509_check_issued(issuer, cert) == X509_V_OK && X509_verify(cert, X509_get0_pubkey(issuer)) == 1;
  ERR_clear_error();
  return ok;
}

// ACME CAs send the chain without its root. When the root is one of the --ca-bundle
// certificates (a private or test CA), it goes on the end so verify_chain anchors on it; otherwise
// the system's CAs anchor the chain, exactly as for CertCentral.
void add_anchor(std::vector<std::string>& pems, const std::string& ca_bundle) {
  if (ca_bundle.empty() || pems.empty()) return;
  ossl::X509Ptr top = parse_certificate(pems.back());
  if (!top || issued_by(top.get(), top.get())) return;
  auto bundle = read_file(ca_bundle, kMaxBundleBytes, "CA bundle");
  if (!bundle) return;
  auto anchors = split_pem_certificates(*bundle);
  if (!anchors) return;
  for (const auto& pem : *anchors) {
    ossl::X509Ptr root = parse_certificate(pem);
    if (root && issued_by(root.get(), top.get()) && issued_by(root.get(), root.get())) {
      pems.push_back(pem);
      return;
    }
  }
}

std::string top_issuer_cn(const std::vector<std::string>& pems) {
  if (pems.empty()) return {};
  ossl::X509Ptr top = parse_certificate(pems.back());
  return top ? issuer_cn(top.get()) : std::string();
}

Result<std::vector<std::string>> chain_pems(Client& client, const std::string& url, const std::string& preferred) {
  auto first = client.download(url);
  if (!first) return first.error();
  auto pems = split_pem_certificates(first->pem);
  if (!pems) return pems.error();
  if (preferred.empty() || top_issuer_cn(*pems) == preferred) return pems;
  for (const auto& alt : first->alternates) {
    auto other = client.download(alt);
    if (!other) continue;
    auto alt_pems = split_pem_certificates(other->pem);
    if (alt_pems && top_issuer_cn(*alt_pems) == preferred) return alt_pems;
  }
  return pems;  // like certbot and lego: the default chain when none matches
}

// Takes the published challenges down again whatever happens (the CA may cache an answer, but
// nothing of ours stays in the webroot or zone).
class Publications {
 public:
  explicit Publications(Publisher& publisher) : publisher_(publisher) {}
  Publications(const Publications&) = delete;
  Publications& operator=(const Publications&) = delete;
  ~Publications() { remove(); }

  Status add(std::vector<PublishItem> items) {
    items_ = std::move(items);
    std::optional<Error> failure;
    run_publish_batch(publisher_, PublishAction::Publish, items_, 1, [&](const PublishOutcome& o) {
      if (o.status) published_.push_back(o.item);
      else if (!failure) failure = o.status.error();
    });
    if (failure) return *failure;
    return {};
  }

  void remove() {
    if (!published_.empty()) (void)publisher_.apply(PublishAction::Unpublish, published_);
    published_.clear();
  }

 private:
  Publisher& publisher_;
  std::vector<PublishItem> items_;
  std::vector<const PublishItem*> published_;  // what is up, to take down again
};

struct Pending {
  Authorization authz;
  Challenge challenge;
};

Result<std::vector<Pending>> pending_challenges(Client& client, const Order& order, ChallengeType type,
                                                std::chrono::seconds timeout) {
  const std::string wanted(to_string(type));
  std::vector<Pending> out;
  for (const auto& url : order.authorizations) {
    auto a = client.fetch_authorization(url);
    if (!a) return a.error();
    // Answered by a run that was stopped before the CA's verdict: wait for it instead of failing.
    if (a->status == "processing") a = client.wait_authorization(url, timeout);
    if (!a) return a.error();
    if (a->status == "valid") continue;  // validated earlier (authorization reuse): nothing to publish
    if (a->status != "pending")
      return make_error(ErrorKind::ApiRejected, "acme.authorization_" + a->status,
                        "the authorization for " + a->name() + " is " + a->status, "start a new order");
    const Challenge* c = a->challenge(wanted);
    if (c == nullptr || !is_valid_token(c->token))
      return make_error(ErrorKind::ApiRejected, "acme.no_challenge",
                        "the CA offers no usable " + wanted + " challenge for " + a->name(),
                        a->wildcard ? "wildcard names validate through dns-01 only: use --challenge dns-01"
                                    : "use the other --challenge type");
    out.push_back({*a, *c});
  }
  return out;
}

Error challenge_failed(const Authorization& a, ChallengeType type) {
  for (const auto& c : a.challenges)
    if (c.type == to_string(type) && c.error) {
      // Whatever type the CA chose (Pebble and Boulder say "unauthorized" for a 404), a failed
      // challenge is a validation failure: exit 10, with the CA's detail.
      Error e = problem_error(*c.error, "validating " + a.name() + " (" + c.type + ")");
      if (e.kind == ErrorKind::ApiAuth || e.kind == ErrorKind::ApiRejected) {
        e.kind = ErrorKind::CheckFailed;
        e.hint = type == ChallengeType::Http01
                     ? "the CA did not get the key authorization from http://" + a.identifier +
                           "/.well-known/acme-challenge/: check the webroot is the one the web server serves for the name"
                     : "the CA did not find the TXT record at _acme-challenge." + a.identifier +
                           ": check the zone and that every authoritative server has it (dcvkit check)";
      }
      return e;
    }
  return make_error(ErrorKind::CheckFailed, "acme.authorization_" + a.status,
                    "the CA did not validate " + a.name() + " (authorization " + a.status + ")",
                    "run with -v, and check the challenge is reachable (dcvkit check)");
}

Status validate(Client& client, const Order& order, const IssueRequest& request, const AccountKey& key, int& published) {
  auto pending = pending_challenges(client, order, request.challenge, request.timeout);
  if (!pending) return pending.error();
  if (pending->empty()) return {};
  if (request.publisher == nullptr)
    return make_error(ErrorKind::Usage, "usage", "no publisher for the challenges", "give where to publish");
  std::vector<PublishItem> items;
  std::vector<PublishedChallenge> published_challenges;
  for (const auto& p : *pending) {
    const std::string keyauth = key_authorization(p.challenge.token, key);
    published_challenges.push_back({p.authz.name(), keyauth});
    if (request.challenge == ChallengeType::Http01)
      items.push_back({acme_http01_entry(p.authz.identifier, p.challenge.token), keyauth});
    else
      items.push_back({acme_dns01_entry(p.authz.name()), dns01_txt_value(keyauth)});
  }
  Publications publications(*request.publisher);
  if (auto ok = publications.add(std::move(items)); !ok) return ok;
  published = static_cast<int>(pending->size());
  if (request.progress) request.progress("published " + std::to_string(published) + " " + std::string(to_string(request.challenge)) + " challenges");
  if (request.before_respond)
    if (auto ok = request.before_respond(published_challenges); !ok) return ok;
  for (const auto& p : *pending)
    if (auto ok = client.respond(p.challenge); !ok) return ok;
  for (const auto& p : *pending) {
    auto a = client.wait_authorization(p.authz.url, request.timeout);
    if (!a) return a.error();
    if (a->status != "valid") return challenge_failed(*a, request.challenge);
    if (request.progress) request.progress("validated " + a->name());
  }
  return {};
}

}  // namespace

std::string_view to_string(ChallengeType type) { return type == ChallengeType::Http01 ? "http-01" : "dns-01"; }

std::optional<ChallengeType> parse_challenge_type(std::string_view text) {
  if (text == "http-01") return ChallengeType::Http01;
  if (text == "dns-01") return ChallengeType::Dns01;
  return std::nullopt;
}

Result<std::string> csr_der(std::string_view csr_pem) { return csr_der_of(csr_pem); }

Result<std::string> certificate_der(std::string_view pem) {
  ossl::X509Ptr cert = parse_certificate(pem);
  unsigned char* der = nullptr;
  const int len = cert ? i2d_X509(cert.get(), &der) : -1;
  if (len <= 0)
    return make_error(ErrorKind::InvalidInput, "cert.malformed", "the file holds no PEM certificate",
                      "give cert.pem (or fullchain.pem) as dcvkit wrote it");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

Result<IssueResult> issue_certificate(Client& client, const IssueRequest& request) {
  auto csr_text = parse_csr_text(request.csr_pem, "the CSR");
  if (!csr_text) return csr_text.error();
  auto info = inspect_csr(*csr_text);
  if (!info) return info.error();
  auto der = csr_der(request.csr_pem);
  if (!der) return der.error();
  auto spki = csr_public_key_der(request.csr_pem);
  if (!spki) return spki.error();
  IssueResult result;
  result.names = info->names();

  auto order = request.resume_order_url.empty() ? client.new_order(result.names) : client.fetch_order(request.resume_order_url);
  if (!order) return order.error();
  result.order_url = order->url;
  if (request.on_order) request.on_order(order->url);
  if (request.progress) request.progress("order " + order->url + " is " + order->status);

  if (order->status == "pending") {
    if (auto ok = validate(client, *order, request, client.key(), result.challenges_published); !ok) return ok.error();
    order = client.fetch_order(order->url);
    if (!order) return order.error();
  }
  if (order->status == "ready") {
    order = client.finalize(*order, *der);
    if (!order) return order.error();
  }
  if (order->status == "processing") {
    order = client.wait_order(order->url, request.timeout);
    if (!order) return order.error();
  }
  if (order->status != "valid" || order->certificate.empty()) {
    if (order->error) return problem_error(*order->error, "order " + order->url);
    return make_error(ErrorKind::NotIssued, "acme.order_" + order->status,
                      "the order " + order->url + " is " + order->status + ", not valid",
                      order->status == "invalid" ? "start a new order (run the command without the order URL)"
                                                 : "run the command again to go on with the order");
  }
  if (request.progress) request.progress("issued: " + order->certificate);

  auto pems = chain_pems(client, order->certificate, request.preferred_chain);
  if (!pems) return pems.error();
  add_anchor(*pems, request.ca_bundle);
  result.pems = std::move(*pems);
  result.expected = ChainExpectation{std::move(*spki), result.names};
  return result;
}

}  // namespace dcvkit::acme
