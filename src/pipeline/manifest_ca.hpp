// The manifest's "ca" object and the "challenge" that goes with it (an ACME entry instead of a
// CertCentral one).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "dcvkit/manifest.hpp"

namespace dcvkit::manifest_fields {

// "ca": {"acme": {"directory", "account_key", "eab_kid", "eab_hmac_key_file", "email", "ca_bundle",
// "preferred_chain", "agree_tos"}}; paths resolved against base_dir.
Status parse_ca(const nlohmann::json& ca, const std::string& base_dir, const std::string& where, AcmeCaSpec& out);

}  // namespace dcvkit::manifest_fields
