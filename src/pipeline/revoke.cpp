// dcvkit run --revoke: the entry's certificate revoked through the CA it came from, and the
// ledger told, so the next run orders a replacement (with a new key) instead of resting on a
// revoked certificate.
#include <nlohmann/json.hpp>

#include "dcvkit/pipeline.hpp"
#include "pipeline/order_backend.hpp"

namespace dcvkit {

Result<std::string> revoke_entry(Ledger& ledger, const ManifestEntry& spec, const PipelineOptions& options,
                                 const std::string& reason) {
  auto entry = ledger.get(spec.id);
  if (!entry) return entry.error();
  if (!entry->has_value() || (*entry)->chain_pem.empty())
    return make_error(ErrorKind::Usage, "run.nothing_to_revoke", spec.id + " has no certificate in the ledger",
                      "run --revoke takes the id of a certificate a run has issued (see run --status)");
  pipeline::BackendSet backends(options);
  auto backend = backends.for_entry(spec);
  if (!backend) return backend.error();
  auto done = (*backend)->revoke(**entry, reason);
  if (!done) return done.error();
  const nlohmann::json detail = {{"order_ref", (*entry)->order_ref},
                                 {"certificate_id", (*entry)->certificate_id},
                                 {"reason", reason},
                                 {"result", *done}};
  if (auto st = ledger.record_revoked(spec.id, detail.dump()); !st) return st.error();
  return done;
}

}  // namespace dcvkit
