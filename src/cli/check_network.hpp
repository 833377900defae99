// How the check library reaches the names' DNS and web servers: the flags `dcvkit check` and
// `dcvkit order submit --precheck` share (--resolver, --ns-port, --http-port, --https-port,
// --connect-address, --all-addresses, --timeout, --caa-identity, --no-caa, --dnssec, --trust-anchor).
#pragma once

#include <cxxopts.hpp>

#include "dcvkit/check_batch.hpp"
#include "dcvkit/error.hpp"

namespace dcvkit::cli {

// `timeout_flag` names the DNS query timeout option ("timeout" for check; another name where
// --timeout means something else).
void add_check_network_options(cxxopts::Options& options, const std::string& group = "Network",
                               const std::string& timeout_flag = "timeout");
// Fills batch.dns and batch.http from the flags (the system's first nameserver by default);
// `timeout_flag` as given to add_check_network_options.
Status apply_check_network_options(const cxxopts::ParseResult& args, CheckBatchOptions& batch,
                                   const std::string& timeout_flag = "timeout");

}  // namespace dcvkit::cli
