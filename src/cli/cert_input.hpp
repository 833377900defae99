// What the `dcvkit cert` commands share: passwords from files or the environment (never argv),
// certificate and key files of any format, the JSON/text form of a certificate, and writing a
// set of output files all-or-nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "dcvkit/cert_tools.hpp"

namespace dcvkit::cli {

constexpr std::size_t kMaxCertFileBytes = std::size_t{4} * 1024 * 1024;

// --password-file FILE (PKCS#12; or DCVKIT_PFX_PASSWORD).
void add_pfx_password_option(cxxopts::Options& options);
// --key-password-file FILE (encrypted private key; or DCVKIT_KEY_PASSWORD).
void add_key_password_option(cxxopts::Options& options);
// The password of the option (file) or its environment variable; nullopt when neither is given.
Result<std::optional<Secret>> read_pfx_password(const cxxopts::ParseResult& args, const Output& out);
Result<std::optional<Secret>> read_key_password(const cxxopts::ParseResult& args, const Output& out);

// A certificate file of any format; errors name the file.
Result<cert::Bundle> read_bundle_file(const std::string& path, const std::optional<Secret>& password);
Result<Secret> read_key_file(const std::string& path, const std::optional<Secret>& password);

// The bundle's certificates in chain order (leaf first), the ones off the leaf's path after them.
Result<std::vector<std::string>> in_chain_order(const std::vector<std::string>& ders);

nlohmann::json cert_json(const cert::CertInfo& info);
void print_cert(const cert::CertInfo& info, const std::string& indent);

}  // namespace dcvkit::cli
