// Which adapter orders a manifest entry: the registry. A third CA is one more line here, one more
// adapter file, and the manifest key that selects it (pipeline/manifest_ca.cpp).
#include <array>

#include "pipeline/order_backend.hpp"

namespace dcvkit::pipeline {
namespace {

struct BackendKind {
  bool (*selects)(const ManifestEntry& spec);
  std::string (*account_of)(const ManifestEntry& spec);  // entries with equal accounts share a backend
  Result<std::unique_ptr<OrderBackend>> (*make)(const ManifestEntry& spec, const PipelineOptions& options);
};

constexpr std::array<BackendKind, 2> kBackends{{
    {[](const ManifestEntry& s) { return s.acme.has_value(); },
     [](const ManifestEntry& s) { return "acme\n" + s.acme->account_id(); }, make_acme_backend},
    // Last: the default, the run's CertCentral account.
    {[](const ManifestEntry&) { return true; }, [](const ManifestEntry&) { return std::string("certcentral"); },
     make_certcentral_backend},
}};

}  // namespace

Result<OrderBackend*> BackendSet::for_entry(const ManifestEntry& spec) {
  for (const auto& kind : kBackends) {
    if (!kind.selects(spec)) continue;
    const std::string account = kind.account_of(spec);
    if (auto it = made_.find(account); it != made_.end()) return it->second.get();
    // A backend that cannot be made is not kept: the next certificate tries again.
    auto made = kind.make(spec, options_);
    if (!made) return made.error();
    return made_.emplace(account, std::move(*made)).first->second.get();
  }
  return make_error(ErrorKind::Internal, "run.no_backend", "no CA for " + spec.id, "");
}

std::size_t BackendSet::requests() const {
  std::size_t n = 0;
  for (const auto& [account, backend] : made_) n += backend->requests();
  return n;
}

}  // namespace dcvkit::pipeline
