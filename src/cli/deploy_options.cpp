#include "cli/deploy_options.hpp"

#include <iostream>

namespace dcvkit::cli {
namespace {

Result<int> seconds_option(const cxxopts::ParseResult& args, const std::string& name, long long min, long long max) {
  const std::string text = args[name].as<std::string>();
  const auto s = parse_duration(text);
  if (!s || *s < min || *s > max)
    return usage_error("--" + name + " must be a duration from " + std::to_string(min) + "s to " + std::to_string(max) + "s, not \"" +
                           shown(text) + "\"",
                       "e.g. 30s, 10m");
  return static_cast<int>(*s);
}

}  // namespace

void add_deploy_options(cxxopts::Options& options) {
  options.add_options("After issuance")
      ("deploy-hook", "Run this (sh -c) once the new certificate's files are in place; paths in DCVKIT_* and certbot's RENEWED_* variables",
       cxxopts::value<std::string>(), "CMD")
      ("deploy-delay", "Wait this long before the deploy hook (OCSP responders catching up)", cxxopts::value<std::string>()->default_value("0s"), "DURATION")
      ("deploy-timeout", "Stop the deploy hook after this long", cxxopts::value<std::string>()->default_value("5m"), "DURATION");
}

Result<DeployHook> deploy_hook_from(const cxxopts::ParseResult& args) {
  DeployHook hook;
  if (args.count("deploy-hook")) hook.command = args["deploy-hook"].as<std::string>();
  if (args.count("deploy-hook") && hook.command.find_first_not_of(" \t") == std::string::npos)
    return usage_error("--deploy-hook is empty", "give the command to run, e.g. --deploy-hook 'systemctl reload nginx'");
  auto delay = seconds_option(args, "deploy-delay", 0, kMaxDeploySeconds);
  if (!delay) return delay.error();
  auto timeout = seconds_option(args, "deploy-timeout", 1, kMaxDeploySeconds);
  if (!timeout) return timeout.error();
  hook.delay_seconds = *delay;
  hook.timeout_seconds = *timeout;
  return hook;
}

DeployOutcome deploy_delivery(const DeployHook& hook, const ChainDelivery& delivery, const std::string& id,
                              const std::string& dir) {
  DeployOutcome outcome;
  if (hook.command.empty()) return outcome;
  outcome.ran = true;
  DeployedCertificate cert{id, delivery.chain.names, dir.empty() ? "." : dir, delivery.files.cert, delivery.files.chain,
                           delivery.files.fullchain, ""};
  if (auto st = run_deploy_hook(hook, cert); !st) outcome.error = st.error();
  return outcome;
}

void report_deploy(const Output& out, const DeployOutcome& outcome, nlohmann::json* j) {
  if (!outcome.ran) return;
  if (out.json() && j) {
    (*j)["deploy"] = {{"hook", outcome.error ? "failed" : "ok"}};
    if (outcome.error)
      (*j)["deploy"]["error"] = {{"code", outcome.error->code}, {"message", outcome.error->message}, {"hint", outcome.error->hint}};
    return;
  }
  if (outcome.error) (void)out.fail(*outcome.error);  // the caller ends with deploy's exit code
  else std::cout << "Deploy hook: ok\n";
}

}  // namespace dcvkit::cli
