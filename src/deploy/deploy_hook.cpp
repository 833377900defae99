#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "dcvkit/deploy.hpp"
#include "util/shell_command.hpp"
#include "util/strings.hpp"

namespace dcvkit {
namespace {

Error deploy_error(std::string code, std::string message, std::string hint) {
  return make_error(ErrorKind::DeployFailed, std::move(code), std::move(message), std::move(hint));
}

// The paths, and certbot's names for them, so certbot deploy hooks work unchanged.
std::vector<std::string> deploy_environment(const DeployedCertificate& cert) {
  const std::string names = detail::join(cert.names, " ");
  std::vector<std::string> ours = {"DCVKIT_CERT_ID=" + cert.id,         "DCVKIT_NAMES=" + names,
                                   "DCVKIT_CERT_DIR=" + cert.dir,       "DCVKIT_CERT_PATH=" + cert.cert,
                                   "DCVKIT_CHAIN_PATH=" + cert.chain,   "DCVKIT_FULLCHAIN_PATH=" + cert.fullchain,
                                   "RENEWED_LINEAGE=" + cert.dir,       "RENEWED_DOMAINS=" + names};
  if (!cert.key.empty()) ours.push_back("DCVKIT_KEY_PATH=" + cert.key);
  return command_environment(std::move(ours), {"DCVKIT_KEY_PATH"});
}

}  // namespace

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
