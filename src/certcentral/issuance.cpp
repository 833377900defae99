// Waiting for an order the CA did not issue at once.
#include "dcvkit/certcentral_issuance.hpp"
#include "util/strings.hpp"

namespace dcvkit::certcentral {
namespace {

bool final_status(const std::string& s) { return s == "canceled" || s == "rejected" || s == "revoked" || s == "expired"; }

// What check-dcv's per-name list says is missing: "not validated yet: a.example (pending), ...".
std::string names_reason(const std::vector<NameValidation>& names) {
  std::string waiting;
  for (const auto& n : names)
    if (n.status != "approved" && n.status != "complete" && n.status != "valid")
      waiting += (waiting.empty() ? "" : ", ") + n.dns_name + " (" + (n.status.empty() ? "no status" : n.status) + ")";
  return waiting.empty() ? "" : "not validated yet: " + waiting;
}

}  // namespace

Result<PendingState> check_pending_once(Client& client, std::int64_t order_id) {
  auto dcv = client.check_dcv(order_id);
  if (!dcv) return dcv.error();
  PendingState state;
  if (dcv->issued()) {
    state.certificate_id = dcv->certificate_id;
    state.status = "issued";
    return state;
  }
  state.reason = dcv->failure_reason;
  state.failure_code = dcv->failure_code;
  state.names = dcv->names;
  if (state.reason.empty()) state.reason = names_reason(dcv->names);
  if (!dcv->failure_code.empty()) {
    state.status = "pending";
    return state;
  }
  auto info = client.order_info(order_id);
  if (!info) return info.error();
  state.status = info->status;
  if (info->status == "issued" && info->certificate_id) state.certificate_id = info->certificate_id;
  if (state.reason.empty()) state.reason = detail::join(info->dcv_status.reasons, "; ");
  if (state.reason.empty() && !info->dcv_status.status.empty()) state.reason = "DCV " + info->dcv_status.status;
  state.final = final_status(info->status);
  return state;
}

Result<PendingState> wait_until_issued(Client& client, std::int64_t order_id, std::chrono::seconds deadline,
                                       const std::function<void(const PendingState&)>& on_wait) {
  const auto give_up = client.timer().now() + deadline;
  std::chrono::milliseconds delay(2000);
  for (;;) {
    auto state = check_pending_once(client, order_id);
    if (!state || state->issued() || state->final) return state;
    // Jitter over the upper half, so that many waiting clients do not poll in step.
    state->next_check = std::chrono::milliseconds(
        delay.count() / 2 + static_cast<long long>(client.random()() * static_cast<double>(delay.count()) / 2));
    if (client.timer().now() + state->next_check > give_up) {
      state->next_check = std::chrono::milliseconds(0);
      return state;
    }
    if (on_wait) on_wait(*state);
    client.timer().sleep_for(state->next_check);
    delay = std::min(delay * 2, std::chrono::milliseconds(30000));
  }
}

Result<std::int64_t> wait_for_certificate(Client& client, std::int64_t order_id, std::chrono::seconds deadline,
                                          const std::function<void(const PendingState&)>& on_wait) {
  auto state = wait_until_issued(client, order_id, deadline, on_wait);
  if (!state) return state.error();
  if (!state->issued())
    return not_issued_error(order_id, *state, "publish the tokens (dcvkit check shows what the CA sees), then wait again");
  return state->certificate_id;
}

Error not_issued_error(std::int64_t order_id, const PendingState& state, const std::string& hint) {
  const std::string message =
      "order " + std::to_string(order_id) + " is " + state.status + (state.reason.empty() ? "" : ": " + state.reason);
  std::string what_to_do = hint;
  if (state.final) what_to_do = "the order will not be issued; place a new one";
  if (state.failure_code == "auth_key_not_setup")
    what_to_do = "the account has no AuthKey to check tokens with: dcvkit authkey create --out FILE, make the tokens "
                 "with that key and publish them, then: dcvkit order download " + std::to_string(order_id) + " --wait";
  return make_error(ErrorKind::NotIssued, state.final ? "order." + state.status : "order.not_issued", message, what_to_do);
}

}  // namespace dcvkit::certcentral
