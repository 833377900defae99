// Runs the dcvkit executable (or any program) the way a user's shell would, capturing everything.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dcvkit::test {

struct RunResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out;
  std::string err;
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

}  // namespace dcvkit::test
