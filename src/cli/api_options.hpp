// What every command that talks to CertCentral shares: where the API is, the API key (a file or
// DCVKIT_API_KEY, never an argument, never printed), an extra CA, the time limit, and -v.
#pragma once

#include <cxxopts.hpp>
#include <memory>

#include "cli/common.hpp"
#include "dcvkit/certcentral.hpp"

namespace dcvkit::cli {

void add_api_options(cxxopts::Options& options);

// The options without the key (for --dry-run, which needs no key): URL, CA bundle, timeouts, -v.
Result<certcentral::ClientOptions> api_settings(const cxxopts::ParseResult& args);
// --api-key-file FILE or DCVKIT_API_KEY; ApiAuth "api.no_key" (exit 12) when neither is given.
Result<Secret> read_api_key(const cxxopts::ParseResult& args, const Output& out);
// Settings + key + libcurl transport.
Result<std::unique_ptr<certcentral::Client>> api_client(const cxxopts::ParseResult& args, const Output& out);

}  // namespace dcvkit::cli
