// GET /sandbox/stats: what the sandbox has seen and holds (a sandbox extra).
#include "api.hpp"

namespace dcvkit::sandbox {

Reply stats_reply(Sandbox& sb) {
  const auto c = sb.store.counts();
  return json_reply(200, {{"requests", sb.requests.load()},
                          {"orders_total", c.orders_total},
                          {"orders", {{"issued", c.issued}, {"pending", c.pending}, {"canceled", c.canceled}, {"revoked", c.revoked},
                                      {"reissue_pending", c.reissue_pending}}},
                          {"revoked_certificates", c.revoked_certificates},
                          {"rate_limited", sb.rate_limited.load()},
                          {"auth_keys", c.auth_keys}});
}

}  // namespace dcvkit::sandbox
