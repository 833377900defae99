// A user program publishes, run with /bin/sh -c CMD. In the dcvkit style (the default) it gets
// DCVKIT_ACTION=publish|unpublish, DCVKIT_NAME, DCVKIT_RECORD (TXT owner or URL), DCVKIT_TOKEN,
// DCVKIT_METHOD=dns-txt-token|http-token in its environment. The other styles speak the conventions
// of hook scripts people already have (docs/providers.md):
//   certbot       CERTBOT_DOMAIN, CERTBOT_VALIDATION, CERTBOT_TOKEN, CERTBOT_REMAINING_CHALLENGES,
//                 CERTBOT_ALL_DOMAINS (and CERTBOT_AUTH_OUTPUT on cleanup), as --manual-auth-hook /
//                 --manual-cleanup-hook scripts read them
//   dehydrated    CMD deploy_challenge|clean_challenge DOMAIN TOKEN_FILENAME TOKEN_VALUE
//   dehydrated-chain  the same with every name of a batch in one call (HOOK_CHAIN=yes)
//   lego-exec     CMD present|cleanup FQDN VALUE (dns only)
//   lego-exec-raw CMD present|cleanup -- DOMAIN TOKEN KEY_AUTH, with EXEC_MODE=RAW (dns only)
// The DCVKIT_* variables are set in every style. Our own secrets (DCVKIT_AUTH_KEY, DCVKIT_API_KEY)
// are removed from its environment.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dcvkit/publish.hpp"

namespace dcvkit {

enum class HookStyle { Dcvkit, Certbot, Dehydrated, DehydratedChain, LegoExec, LegoExecRaw };
std::optional<HookStyle> parse_hook_style(std::string_view text);
std::string_view to_string(HookStyle style);
// "dcvkit, certbot, dehydrated, dehydrated-chain, lego-exec, lego-exec-raw"
std::string hook_style_names();

struct HookOptions {
  std::string command;
  int timeout_seconds = 60;
};

// How the hook is called (kept apart from HookOptions, whose brace-initialised form callers use).
struct HookCalling {
  HookStyle style = HookStyle::Dcvkit;
  std::string cleanup_command;  // run to unpublish; "" = the command (certbot's --manual-cleanup-hook)
};

std::unique_ptr<Publisher> make_hook_publisher(HookOptions options, HookCalling calling = {});

}  // namespace dcvkit
