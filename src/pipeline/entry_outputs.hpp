// What a manifest entry asks to find beside its chain (privkey.pem, cert.der, chain.p7b,
// cert.pfx), with the key and the PFX password read for the one write that needs them.
#pragma once

#include <memory>

#include "dcvkit/cert_chain.hpp"
#include "dcvkit/ledger.hpp"
#include "dcvkit/manifest.hpp"

namespace dcvkit::pipeline {

// The entry's key (the ledger's key_path) and PFX password ("pfx_password_file", else
// $DCVKIT_PFX_PASSWORD) read only when its outputs need them.
Result<std::unique_ptr<ExtraOutputFiles>> entry_outputs(const ManifestEntry& spec, const LedgerEntry& entry);

}  // namespace dcvkit::pipeline
