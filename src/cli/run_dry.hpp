// dcvkit run --dry-run: what a run would do with each certificate of the manifest, from the ledger
// (opened read-only; a missing one is an empty one) and a read-only check of the names that would be
// ordered. Generates, publishes, orders and writes nothing.
#pragma once

#include <cxxopts.hpp>
#include <optional>
#include <string>

#include "cli/common.hpp"
#include "dcvkit/manifest.hpp"

namespace dcvkit::cli {

// Exit 0 when the run would end well, 9 when a certificate stays failed (held without
// --retry-failed), 10 when a name fails its check for a reason publishing the token does not fix.
// `renew_window`: --renew-within, as the run reads it.
int dry_run_manifest(const cxxopts::ParseResult& args, const std::string& state, ManifestFile& manifest,
                     std::optional<UnixSeconds> renew_window, const Output& out);

}  // namespace dcvkit::cli
