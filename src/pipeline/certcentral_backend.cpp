// CertCentral behind the order backend: the request token was published and checked before the
// order (validates_before_order), so the order usually comes back with its chain; otherwise it is
// polled with check-dcv. Exactly-once comes from certcentral::submit_order (an idempotency key, and
// a lookup before any resend) and from await_lost_order for a run killed while placing.
#include <algorithm>
#include <chrono>

#include "dcvkit/cert_chain.hpp"
#include "dcvkit/certcentral_issuance.hpp"
#include "dcvkit/certcentral_lifecycle.hpp"
#include "dcvkit/plan.hpp"
#include "pipeline/order_backend.hpp"

namespace dcvkit::pipeline {
namespace {

class CertCentralBackend final : public OrderBackend {
 public:
  explicit CertCentralBackend(std::unique_ptr<certcentral::Client> client) : client_(std::move(client)) {}

  bool validates_before_order() const override { return true; }

  Result<IssuedChain> place(const OrderContext& c) override {
    const auto request = order_request(c);
    certcentral::SubmitOptions submit;
    // Committed before each POST leaves: a run killed from here on looks the order up first, and
    // does not send again before that POST's in-flight window has passed.
    submit.before_post = [&](UnixSeconds in_flight_until) -> Status {
      if (auto key = c.ledger.record_order_intent(c.spec.id, in_flight_until); !key) return key.error();
      return {};
    };
    submit.on_event = [&](std::string_view text) { c.notice(Stage::Ordering, std::string(text)); };
    auto submitted = certcentral::submit_order(*client_, request, submit);
    if (!submitted) {
      // submit_order sends again only after proving the earlier POST made nothing, and says
      // kOrderUnknown when it could not prove it: any other error leaves no order behind.
      if (submitted.error().code != certcentral::kOrderUnknown)
        if (auto st = c.ledger.withdraw_order_intent(c.spec.id, Stage::Checked, submitted.error().code); !st) return st.error();
      return submitted.error();
    }
    const auto& created = submitted->order;
    if (created.immediate()) return IssuedChain{created.id, created.certificate_id, created.chain_pems()};
    if (auto st = c.ledger.record_order(c.spec.id, std::to_string(created.id), created.id); !st) return st.error();
    return IssuedChain{created.id, 0, {}};
  }

  Result<std::optional<std::string>> find_lost(const OrderContext& c) override {
    const auto request = order_request(c);
    const UnixSeconds since = c.entry.order_sent_at - 300;
    // The POST of the interrupted run may still be on its way through the CA until its in-flight
    // window (recorded with it) has passed: until then "not found" only means "look again".
    const UnixSeconds left = std::max<UnixSeconds>(0, c.entry.order_in_flight_until - c.now());
    auto found = certcentral::await_lost_order(
        *client_, request, since, client_->timer().now() + std::chrono::seconds(left), std::chrono::seconds(2),
        [&](std::string_view text) { c.notice(Stage::Ordering, "interrupted order: " + std::string(text)); });
    if (!found) return found.error();
    if (!found->has_value()) return std::optional<std::string>();
    const std::int64_t id = (*found)->id;
    if (auto st = c.ledger.record_order(c.spec.id, std::to_string(id), id); !st) return st.error();
    return std::optional<std::string>(std::to_string(id));
  }

  Result<IssuedChain> complete(const OrderContext& c) override {
    const std::int64_t order_id = c.entry.order_id;
    auto issued = certcentral::wait_for_certificate(*client_, order_id, c.options.issue_deadline,
                                                    [&](const certcentral::PendingState& s) {
                                                      c.progress(Stage::Ordered, "order " + std::to_string(order_id) + " " +
                                                                                     s.status + (s.reason.empty() ? "" : ": " + s.reason));
                                                    });
    if (!issued) return issued.error();
    auto bundle = client_->download(*issued, "pem_all");
    if (!bundle) return bundle.error();
    auto pems = split_pem_certificates(*bundle);
    if (!pems) return pems.error();
    return IssuedChain{order_id, *issued, std::move(*pems)};
  }


  Result<std::string> revoke(const LedgerEntry& entry, const std::string& reason) override {
    certcentral::RevokeRequest request;
    request.reason = reason;
    request.comments = "dcvkit run --revoke " + entry.id;
    auto done = certcentral::revoke_certificate(*client_, std::to_string(entry.certificate_id), request);
    if (!done) return done.error();
    return done->revoked ? "certificate " + std::to_string(entry.certificate_id) + " revoked"
                         : "revocation of certificate " + std::to_string(entry.certificate_id) + " requested (request " +
                               std::to_string(done->request_id) + ", " + done->request_status + ")";
  }

  std::size_t requests() const override { return client_->stats().requests; }

 private:
  static certcentral::OrderRequest order_request(const OrderContext& c) {
    certcentral::OrderRequest r;
    r.product = c.spec.product;
    r.common_name = c.spec.names.front();
    r.dns_names.assign(c.spec.names.begin() + 1, c.spec.names.end());
    r.csr = c.csr.bytes;  // the bytes the token was made from
    r.dcv_method = std::string(api_name(c.spec.method));
    r.validity_days = c.spec.validity_days;
    return r;
  }

  std::unique_ptr<certcentral::Client> client_;
};

}  // namespace

Result<std::unique_ptr<OrderBackend>> make_certcentral_backend(const ManifestEntry&, const PipelineOptions& options) {
  if (!options.make_client)
    return make_error(ErrorKind::Usage, "run.no_api_key", "this certificate is ordered from CertCentral, but the run has no API key",
                      R"(give --api-key-file (or DCVKIT_API_KEY) and the AuthKey, or order it from an ACME CA ("ca": {"acme": ...}))");
  auto client = options.make_client();
  if (!client) return client.error();
  return std::unique_ptr<OrderBackend>(new CertCentralBackend(std::move(*client)));
}

}  // namespace dcvkit::pipeline
