// Runs the dcvkit executable (or any program) the way a user's shell would, capturing everything.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dcvkit::test {

struct RunResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out;
  std::string err;
  // The process's own resource use (and its waited-for children's), from wait4: what a benchmark
  // charges to the program it ran.
  double cpu_seconds = 0;  // user + system
  long peak_rss_kb = 0;
  std::string all() const { return out + err; }
};

struct RunOptions {
  std::string stdin_data;
  std::map<std::string, std::optional<std::string>> env;  // nullopt removes the variable
  std::string cwd;
};

RunResult run_program(const std::vector<std::string>& argv, const RunOptions& options = {});
// argv without the program: {"token", "new", ...}
RunResult run_dcvkit(const std::vector<std::string>& args, const RunOptions& options = {});

// Starts a server in the background, stdin from /dev/null, stdout and stderr to `log_path`.
// Throws when it cannot be started; the caller owns (and must reap) the returned pid.
pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log_path);

// fork() for a test server: in the child (0 returned) the process dies with the test process, and
// a child whose parent is already gone exits at once. Throws when fork fails (`what` names it).
pid_t fork_tied_to_parent(const std::string& what);

// SIGTERM, up to `grace_ms` for it to exit, then SIGKILL; reaps it. No-op for pid <= 0.
void stop_process(pid_t pid, int grace_ms = 3000);

}  // namespace dcvkit::test
