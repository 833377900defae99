// The deploy step of a run (and of run --redeploy): the hook for a certificate's written files,
// remembered per certificate (its order reference and CertCentral certificate id) in the ledger's
// events so it runs once per issuance.
#include <nlohmann/json.hpp>

#include "dcvkit/cert_chain.hpp"
#include "dcvkit/pipeline.hpp"

namespace dcvkit {

const DeployHook& deploy_hook_of(const ManifestEntry& spec, const DeployHook& run_default) {
  return spec.deploy.command.empty() ? run_default : spec.deploy;
}

Result<bool> deployed_already(Ledger& ledger, const LedgerEntry& entry) {
  auto events = ledger.events(entry.id);
  if (!events) return events.error();
  for (const auto& e : *events) {
    if (e.kind != "deploy") continue;
    const auto detail = nlohmann::json::parse(e.detail_json, nullptr, false);
    if (!detail.is_object() || !detail.value("ok", false)) continue;
    // Events from before order references were kept name the certificate by its id alone.
    const bool same_order = detail.value("order_ref", entry.order_ref) == entry.order_ref;
    if (same_order && detail.value("certificate_id", std::int64_t{0}) == entry.certificate_id) return true;
  }
  return false;
}

Status deploy_written(Ledger& ledger, const ManifestEntry& spec, const LedgerEntry& entry, const DeployHook& hook, bool redeploy) {
  const ChainFiles files = chain_files_in(spec.out_dir);
  Status st = run_deploy_hook(hook, {spec.id, spec.names, spec.out_dir, files.cert, files.chain, files.fullchain, entry.key_path});
  nlohmann::json detail = {{"order_ref", entry.order_ref}, {"certificate_id", entry.certificate_id}, {"ok", st.ok()}};
  if (!st) {
    detail["code"] = st.error().code;
    detail["message"] = st.error().message;
  }
  if (redeploy) detail["redeploy"] = true;
  if (auto recorded = ledger.record_deployed(spec.id, detail.dump()); !recorded) return recorded;
  return st;
}

}  // namespace dcvkit
