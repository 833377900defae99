// dcvkit-sandbox: start-up (data dir, API keys, CA, state, fault plan, log), the ready line once
// the listener accepts connections, and a clean stop on SIGTERM/SIGINT.
#include <csignal>
#include <pthread.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "api_keys.hpp"
#include "api_server.hpp"
#include "crypto_util.hpp"
#include "listener.hpp"
#include "options.hpp"
#include "util/posix.hpp"

using namespace dcvkit;
using namespace dcvkit::sandbox;

namespace {

constexpr auto kStopGrace = std::chrono::seconds(5);

int fail(const Error& error, int code) {
  std::cerr << "dcvkit-sandbox: " << error.message << (error.hint.empty() ? "" : "\n  hint: " + error.hint) << "\n";
  return code;
}

int exit_code_for(const Error& error) { return error.kind == ErrorKind::Io ? kExitData : kExitFailure; }

Status make_data_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || ::access(dir.c_str(), W_OK) != 0)
    return make_error(ErrorKind::Io, "sandbox.data_dir",
                      "cannot use the data dir " + dir + ": " + (ec ? ec.message() : std::strerror(errno)));
  return {};
}

// Every account named in the key file, by the key's digest (the keys themselves are not stored).
std::unordered_map<std::string, Id> accounts_for(Store& store, const std::vector<std::string>& keys) {
  std::unordered_map<std::string, Id> accounts;
  for (const auto& key : keys) accounts.emplace(key, store.ensure_account(sha256_hex(key)));
  return accounts;
}

int run(const Config& config, const sigset_t& stop_signals) {
  if (auto s = make_data_dir(config.data_dir); !s) return fail(s.error(), kExitData);
  auto keys = load_or_create_api_keys(config.data_dir + "/api-key");
  if (!keys) return fail(keys.error(), kExitData);
  auto ca = Ca::open(config.data_dir);
  if (!ca) return fail(ca.error(), exit_code_for(ca.error()));
  auto store = Store::open(config.state_file);
  if (!store) return fail(store.error(), kExitData);

  ApiServerParts parts;
  if (!config.faults_file.empty()) {
    auto rules = load_fault_plan(config.faults_file);
    if (!rules) return fail(rules.error(), rules.error().kind == ErrorKind::Usage ? kExitUsage : kExitData);
    parts.faults = std::make_unique<FaultPlan>(std::move(*rules));
  }
  if (!config.log_file.empty()) {
    auto log = RequestLog::open(config.log_file);
    if (!log) return fail(log.error(), kExitData);
    parts.log = std::move(*log);
  }
  if (config.rate_limits) parts.rate_limiter = std::make_unique<RateLimiter>();
  parts.accounts = accounts_for(**store, *keys);

  Sandbox sandbox{**store, **ca, config.validation, config.issuance, {}, {}, {}};
  ApiServer api(sandbox, std::move(parts));
  auto listener = Listener::start(api, **ca, config.listen);
  if (!listener) return fail(listener.error(), kExitFailure);
  std::cout << "ready " << (*listener)->url() << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  sandbox.stop.raise();
  if (!(*listener)->stop(kStopGrace)) {
    // A request is still running past the grace period: SQLite keeps the state file consistent
    // whatever happens to the process, so leave now rather than hang.
    std::_Exit(kExitOk);
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  posix::disable_core_dumps();  // it holds the CA's keys and the accounts' API keys and AuthKeys
  Config config;
  if (auto code = parse_options(argc, argv, config)) return *code;

  // SIGTERM/SIGINT are taken by sigwait in the main thread (blocked before any thread starts, so
  // every thread inherits the mask); a client that hangs up must not kill the server.
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::umask(077);
  try {
    return run(config, stop_signals);
  } catch (const std::exception& e) {
    std::cerr << "dcvkit-sandbox: " << e.what() << "\n";
    return kExitFailure;
  }
}
