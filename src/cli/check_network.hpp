// How the check library reaches the names' DNS and web servers: the flags `dcvkit check` and
// `dcvkit order submit --precheck` share (--resolver, --ns-port, --http-port, --https-port,
// --connect-address, --all-addresses, --dns-timeout, --caa-identity, --no-caa,
// --dnssec, --trust-anchor).
#pragma once

#include <cxxopts.hpp>

#include "dcvkit/check_batch.hpp"
#include "dcvkit/error.hpp"

namespace dcvkit::cli {

// The DNS query timeout is --dns-timeout DURATION in every command; `old_ms_flag` is the option's
// old spelling in this command ("timeout" for check, "check-timeout" for order submit), still
// accepted in milliseconds, hidden from --help, for one release.
void add_check_network_options(cxxopts::Options& options, const std::string& group = "Network",
                               const std::string& old_ms_flag = "timeout");
// Fills batch.dns and batch.http from the flags (the system's first nameserver by default).
Status apply_check_network_options(const cxxopts::ParseResult& args, CheckBatchOptions& batch,
                                   const std::string& old_ms_flag = "timeout");

}  // namespace dcvkit::cli
