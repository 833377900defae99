// A real dcvkit-sandbox for the API tests: HTTPS on a free loopback port, its data dir in a temp
// dir, validating through the given DNS/HTTP world. Started by the constructor (which waits for the
// "ready" line), stopped (SIGTERM) by the destructor.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dcvkit::test {

struct SandboxOptions {
  std::string resolver;          // "127.0.0.1:P" (DnsFixture's resolver); empty: not set
  std::uint16_t ns_port = 0;     // 0: not set
  std::uint16_t http_port = 0, https_port = 0;  // nginx's ports; 0: not set
  std::string connect_address = "127.0.0.1";
  std::string faults_json;       // written to a file and passed as --faults when not empty
  std::string state_file;        // --state; empty: in memory
  std::string data_dir;          // empty: a fresh temp dir (kept across restart())
  bool rate_limits = true;
  std::vector<std::string> extra_args;
};

class SandboxServer {
 public:
  explicit SandboxServer(SandboxOptions options = {});
  ~SandboxServer();
  SandboxServer(const SandboxServer&) = delete;
  SandboxServer& operator=(const SandboxServer&) = delete;

  static std::string binary();  // the dcvkit-sandbox executable under test
  const std::string& url() const { return url_; }         // "https://127.0.0.1:P/services/v2"
  std::string ca_bundle() const;                           // DIR/ca-bundle.pem
  std::string api_key_file() const;                        // DIR/api-key
  std::string api_key() const;                             // its contents (first line)
  const std::string& data_dir() const { return data_dir_; }

  // GET /sandbox/stats with the API key (libcurl, verification on against ca_bundle()).
  nlohmann::json stats() const;
  // Any call, for tests of the server itself: returns {status, body}.
  struct Reply { long status = 0; std::string body; };
  Reply call(const std::string& method, const std::string& path, const std::string& body = {},
             const std::string& api_key_override = {}) const;

  // The same without any X-DC-DEVKEY header.
  Reply call_without_key(const std::string& method, const std::string& path, const std::string& body = {}) const;

  void stop();
  void restart();  // stop + start with the same options, data dir and state file
  std::string log() const;  // the sandbox's stdout + stderr (every run since construction)
  // How the last stop() ended: the exit code (128 + signal when killed) and how long it took.
  int exit_code() const { return exit_code_; }
  double stop_seconds() const { return stop_seconds_; }
  pid_t pid() const { return pid_; }

 private:
  void start();
  Reply perform(const std::string& method, const std::string& path, const std::string& body, const std::string* key) const;
  SandboxOptions options_;
  std::string temp_root_, data_dir_, log_path_, url_;
  pid_t pid_ = -1;
  int runs_ = 0;
  int exit_code_ = -1;
  double stop_seconds_ = 0;
};

}  // namespace dcvkit::test
