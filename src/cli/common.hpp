// What every subcommand shares: exit codes, output (human or --json), option parsing, AuthKey input.
#pragma once

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "dcvkit/clock.hpp"
#include "dcvkit/error.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/secret.hpp"
#include "util/strings.hpp"

namespace dcvkit::cli {

// Documented in README.md ("Exit codes"); scripts depend on these numbers.
enum Exit : int {
  kExitOk = 0,
  kExitInternal = 1,
  kExitUsage = 2,
  kExitInvalidInput = 3,
  kExitIo = 4,
  kExitTokenMalformed = 5,
  kExitTokenMismatch = 6,
  kExitTokenExpired = 7,
  kExitTokenNotYetValid = 8,
  kExitPartial = 9,       // a batch ran, and at least one entry failed (see its own result)
  kExitCheckFailed = 10,  // dcvkit check (or order submit --precheck): at least one name would not validate
  kExitApiRejected = 11,  // the CertCentral API refused the request (4xx)
  kExitApiAuth = 12,      // API key missing or wrong, or no permission (401/403)
  kExitRateLimited = 13,  // still rate limited (429) after backing off
  kExitNetwork = 14,      // network, TLS, timeout or server error (5xx) after retries
  kExitNotIssued = 15,    // the order is not issued (pending; --wait timed out)
  kExitCertVerify = 16,   // the certificate failed verification: nothing written
  kExitKeyMismatch = 17,  // dcvkit cert match: the key does not belong to the certificate/CSR
  kExitExpiring = 18,     // dcvkit cert expiry: a certificate expires within --warn (or has expired)
  kExitDeployFailed = 19, // the certificate is in place, but the deploy hook failed (run it again: --redeploy)
};

int exit_code_for(ErrorKind kind);

class Output {
 public:
  explicit Output(bool json) : json_(json) {}
  bool json() const { return json_; }
  // Prints the error (stderr as text, or stdout as {"error":{...}} with --json); returns its exit code.
  int fail(const Error& error) const;
  void warn(std::string_view message) const;
  void print(const nlohmann::json& value) const;

 private:
  bool json_;
};

Error usage_error(std::string message, std::string hint);

// Parses argv[1..] (argv[0] is the command path, e.g. "dcvkit token new"). Returns nothing when the
// command should stop: after --help (exit 0) or on a usage error (already reported).
std::optional<cxxopts::ParseResult> parse_options(cxxopts::Options& options, int argc, char** argv,
                                                  const Output& out, int& exit_code);

// Whether argv holds `flag`, looked up before parsing (so parse errors already come out as JSON).
bool has_flag(int argc, char** argv, std::string_view flag);
// --json or --jsonl: machine output.
inline bool wants_json(int argc, char** argv) { return has_flag(argc, argv, "--json") || has_flag(argc, argv, "--jsonl"); }

// A secret kept in a file (AuthKey, API key): its bytes minus at most one trailing line ending.
// Warns when the file is readable by group or others. `what` names it: "AuthKey file".
Result<Secret> read_secret_file(const std::string& path, std::string_view what, const Output& out);

// --auth-key-file FILE | --auth-key-stdin | $DCVKIT_AUTH_KEY. Never an argv value.
void add_auth_key_options(cxxopts::Options& options);
Result<Secret> read_auth_key(const cxxopts::ParseResult& args, const Output& out);

// The one string form shared by --timestamp/--valid-from/--at parsing errors.
Result<UnixSeconds> parse_time_option(const cxxopts::ParseResult& args, const std::string& name, const Clock& clock);

// --timestamp YYYYMMDDHHMMSS | --valid-from TIME, shared by every command that makes tokens.
void add_token_time_options(cxxopts::Options& options);
Result<UnixSeconds> token_timestamp(const cxxopts::ParseResult& args);

using detail::join;  // util/strings.hpp
// parse_duration ("30s", "10m", "2h", "30d", plain seconds) is dcvkit/time.hpp's.
// The same with milliseconds too ("500ms"), for timeouts; with `unit_required`, a plain number is
// refused (an old MS option's value must not silently become seconds).
std::optional<long long> parse_duration_ms(const std::string& text, bool unit_required);
// Options kept under an old spelling for one release: parsed, never shown in --help (README lists them).
inline constexpr const char* kOldSpellings = "Old spellings (hidden, for one release)";
// order submit/download --timeout (how long --wait waits): a duration, a plain number is seconds.
// Both an option and the environment variable for the same secret: the option wins, said once.
void warn_env_overridden(const Output& out, const char* variable, std::string_view option);
Result<int> wait_timeout_seconds(const cxxopts::ParseResult& args);
// A timeout option written as a duration; "--NAME must be a duration like ..." otherwise, or when
// outside [1 ms, max_ms].
Result<int> timeout_option_ms(const cxxopts::ParseResult& args, const std::string& name, long long max_ms);
// The same, or the option's old spelling `old_ms_name` (a plain number of milliseconds, kept hidden
// for one release) when that was given.
Result<int> timeout_option_ms(const cxxopts::ParseResult& args, const std::string& name, long long max_ms,
                              const std::string& old_ms_name);
// Text from a CSR or the network, made safe for a terminal (control bytes, bad UTF-8 escaped).
std::string shown(std::string_view untrusted);
std::vector<std::string> shown(const std::vector<std::string>& untrusted);

}  // namespace dcvkit::cli
