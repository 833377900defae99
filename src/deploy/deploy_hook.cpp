#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "dcvkit/deploy.hpp"
#include "util/shell_command.hpp"
#include "util/strings.hpp"

namespace dcvkit {
namespace {

// Our secrets, and the variables we set (a value inherited from outside must not pass for ours).
const std::vector<std::string_view> kDropped = {
    "DCVKIT_AUTH_KEY",  "DCVKIT_API_KEY",       "DCVKIT_EAB_HMAC_KEY", "DCVKIT_PFX_PASSWORD",   "DCVKIT_KEY_PASSWORD",
    "DCVKIT_CERT_ID",   "DCVKIT_NAMES",         "DCVKIT_CERT_DIR",     "DCVKIT_CERT_PATH",      "DCVKIT_CHAIN_PATH",
    "DCVKIT_FULLCHAIN_PATH", "DCVKIT_KEY_PATH", "RENEWED_LINEAGE",     "RENEWED_DOMAINS"};

Error deploy_error(std::string code, std::string message, std::string hint) {
  return make_error(ErrorKind::DeployFailed, std::move(code), std::move(message), std::move(hint));
}

}  // namespace

std::vector<std::string> deploy_environment(const DeployedCertificate& cert) {
  std::vector<std::string> env = inherited_environment(kDropped);
  const std::string names = detail::join(cert.names, " ");
  env.push_back("DCVKIT_CERT_ID=" + cert.id);
  env.push_back("DCVKIT_NAMES=" + names);
  env.push_back("DCVKIT_CERT_DIR=" + cert.dir);
  env.push_back("DCVKIT_CERT_PATH=" + cert.cert);
  env.push_back("DCVKIT_CHAIN_PATH=" + cert.chain);
  env.push_back("DCVKIT_FULLCHAIN_PATH=" + cert.fullchain);
  if (!cert.key.empty()) env.push_back("DCVKIT_KEY_PATH=" + cert.key);
  env.push_back("RENEWED_LINEAGE=" + cert.dir);
  env.push_back("RENEWED_DOMAINS=" + names);
  return env;
}

Status run_deploy_hook(const DeployHook& hook, const DeployedCertificate& cert) {
  if (hook.command.empty()) return {};
  if (hook.delay_seconds > 0) std::this_thread::sleep_for(std::chrono::seconds(hook.delay_seconds));
  auto run = run_shell_command(hook.command, {}, deploy_environment(cert), hook.timeout_seconds, "deploy.hook");
  if (!run) return deploy_error(run.error().code, run.error().message, "the certificate is in place; run the hook again once it can start");
  const std::string what = "the deploy hook for " + cert.id;
  const std::string tail = run->stderr_tail.empty() ? "" : ": " + run->stderr_tail;
  const std::string again = "the certificate is in place (" + cert.dir + "); fix the hook and run it again";
  if (run->timed_out)
    return deploy_error("deploy.hook_timed_out",
                        what + " did not finish within " + std::to_string(hook.timeout_seconds) + " s and was stopped" + tail, again);
  if (!WIFEXITED(run->wait_status) || WEXITSTATUS(run->wait_status) != 0)
    return deploy_error("deploy.hook_failed", what + " " + describe_wait_status(run->wait_status) + tail, again);
  return {};
}

}  // namespace dcvkit
