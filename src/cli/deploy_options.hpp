// --deploy-hook for the commands that write an issued certificate (order submit/download/reissue):
// the hook runs once the files are in place; its failure leaves them there and ends with exit 19.
#pragma once

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/common.hpp"
#include "dcvkit/cert_chain.hpp"
#include "dcvkit/deploy.hpp"

namespace dcvkit::cli {

// --deploy-hook CMD, --deploy-delay DURATION (default 0s), --deploy-timeout DURATION (default 5m).
void add_deploy_options(cxxopts::Options& options);
Result<DeployHook> deploy_hook_from(const cxxopts::ParseResult& args);

struct DeployOutcome {
  bool ran = false;
  std::optional<Error> error;
  int exit_code() const { return error ? kExitDeployFailed : kExitOk; }
};

// Runs the hook for a delivery just written to `dir` (nothing when no hook was given).
DeployOutcome deploy_delivery(const DeployHook& hook, const ChainDelivery& delivery, const std::string& id,
                              const std::string& dir);
// {"deploy": {"hook": "ok"}} or {"deploy": {"hook": "failed", "error": {...}}} into `j` (--json), or a
// line on stdout / the error on stderr.
void report_deploy(const Output& out, const DeployOutcome& outcome, nlohmann::json* j);

}  // namespace dcvkit::cli
