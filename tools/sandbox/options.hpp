// The command line (README "Command line"): parsed into a Config, or an exit code (2: usage).
#pragma once

#include <optional>
#include <string>

#include "listener.hpp"
#include "sandbox.hpp"
#include "validate.hpp"

namespace dcvkit::sandbox {

struct Config {
  ListenerOptions listen;
  std::string data_dir, state_file, faults_file, log_file;
  ValidationOptions validation;
  IssuanceBehaviour issuance;
  bool rate_limits = true;
};

inline constexpr int kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitData = 4;

// Prints help or the usage error itself; returns the exit code when the program should stop.
std::optional<int> parse_options(int argc, char** argv, Config& config);

}  // namespace dcvkit::sandbox
