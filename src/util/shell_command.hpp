// A user's command run as /bin/sh -c CMD (publish hooks, deploy hooks): stdin from /dev/null, its
// own process group (a timeout ends it with everything it started: SIGTERM, SIGKILL 2 s later),
// stdout read and dropped, the last KiB of stderr kept printable for the error message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/error.hpp"

namespace dcvkit {

struct CommandRun {
  int wait_status = 0;
  bool timed_out = false;
  std::string stderr_tail;
};

// `args` follow the command as "$1", "$2", ... (sh -c 'CMD "$@"' dcvkit-hook ARGS...). `env` is the
// whole environment it gets. Errors (no pipe, no /bin/sh) carry `code_prefix` + "_spawn_failed".
Result<CommandRun> run_shell_command(const std::string& command, std::vector<std::string> args, std::vector<std::string> env,
                                     int timeout_seconds, const std::string& code_prefix);

// "exited with status 3", "was killed by signal 9".
std::string describe_wait_status(int status);

// The environment a user's command gets: this process's, without dcvkit's secrets (AuthKey, API key,
// EAB key, PKCS#12 and key passwords), without any variable `ours` sets or `also_dropped` names (a
// value inherited from outside must not pass for ours), then `ours` ("NAME=value" each). Built
// before spawning: nothing that allocates may run between fork and exec.
std::vector<std::string> command_environment(std::vector<std::string> ours, const std::vector<std::string_view>& also_dropped = {});

}  // namespace dcvkit
