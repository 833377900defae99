// A user program publishes: run with /bin/sh -c CMD and the certbot-style environment
// DCVKIT_ACTION=publish|unpublish, DCVKIT_NAME, DCVKIT_RECORD (TXT owner or URL), DCVKIT_TOKEN,
// DCVKIT_METHOD=dns-txt-token|http-token. Our own secrets (DCVKIT_AUTH_KEY, DCVKIT_API_KEY) are
// removed from its environment.
#pragma once

#include <memory>
#include <string>

#include "dcvkit/publish.hpp"

namespace dcvkit {

struct HookOptions {
  std::string command;
  int timeout_seconds = 60;
};

std::unique_ptr<Publisher> make_hook_publisher(HookOptions options);

}  // namespace dcvkit
