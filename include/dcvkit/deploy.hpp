// After issuance: a user's command run once per newly issued certificate, after its files are in
// place, the way certbot runs --deploy-hook (reload the web server, copy the files to a load
// balancer). dcvkit's own secrets are removed from its environment.
#pragma once

#include <string>
#include <vector>

#include "dcvkit/error.hpp"

namespace dcvkit {

// The longest delay or timeout a deploy hook may be given (a day).
inline constexpr int kMaxDeploySeconds = 86400;

struct DeployHook {
  std::string command;       // run as /bin/sh -c COMMAND; "" = no hook
  int delay_seconds = 0;     // waited first (OCSP responders learning of a new certificate)
  int timeout_seconds = 300; // then SIGTERM to its process group, SIGKILL 2 s later
};

struct DeployedCertificate {
  std::string id;                  // the order ID (order submit/download) or the manifest id (run)
  std::vector<std::string> names;  // the certificate's DNS names
  std::string dir, cert, chain, fullchain;
  std::string key;                 // the private key's path, "" when dcvkit does not know it
};

// Waits delay_seconds, runs the hook with DCVKIT_CERT_ID, DCVKIT_NAMES (space-separated),
// DCVKIT_CERT_DIR, DCVKIT_CERT_PATH, DCVKIT_CHAIN_PATH, DCVKIT_FULLCHAIN_PATH, DCVKIT_KEY_PATH (when
// known), and certbot's RENEWED_LINEAGE (the directory) and RENEWED_DOMAINS (the names) in its
// environment besides this process's (dcvkit's secrets removed). Errors (ErrorKind::DeployFailed): deploy.hook_failed (its exit
// status and the end of its stderr), deploy.hook_timed_out, deploy.hook_spawn_failed.
Status run_deploy_hook(const DeployHook& hook, const DeployedCertificate& cert);

}  // namespace dcvkit
