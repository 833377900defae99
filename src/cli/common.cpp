#include "cli/common.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "dcvkit/files.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"
#include "dcvkit/token_time.hpp"
#include "util/display.hpp"
#include "util/strings.hpp"

namespace dcvkit::cli {
namespace {

constexpr std::size_t kMaxAuthKeyBytes = std::size_t{64} * 1024;

Result<std::string> read_stdin_bounded() {
  std::string data;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorKind::Io, "io.read_failed", "cannot read the AuthKey from standard input");
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > kMaxAuthKeyBytes)
      return make_error(ErrorKind::InvalidInput, "authkey.too_large", "standard input holds more than 64 KiB",
                        "--auth-key-stdin reads the AuthKey alone from standard input");
  }
  return data;
}

bool declares_option(const cxxopts::Options& options, const std::string& name) {
  for (const auto& group : options.groups())
    for (const auto& o : options.group_help(group).options)
      for (const auto& l : o.l)
        if (l == name) return true;
  return false;
}

}  // namespace

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Usage: return kExitUsage;
    case ErrorKind::InvalidInput: return kExitInvalidInput;
    case ErrorKind::Io: return kExitIo;
    case ErrorKind::TokenMalformed: return kExitTokenMalformed;
    case ErrorKind::TokenMismatch: return kExitTokenMismatch;
    case ErrorKind::TokenExpired: return kExitTokenExpired;
    case ErrorKind::TokenNotYetValid: return kExitTokenNotYetValid;
    case ErrorKind::Internal: return kExitInternal;
    case ErrorKind::CheckFailed: return kExitCheckFailed;
    case ErrorKind::ApiRejected: return kExitApiRejected;
    case ErrorKind::ApiAuth: return kExitApiAuth;
    case ErrorKind::RateLimited: return kExitRateLimited;
    case ErrorKind::Network: return kExitNetwork;
    case ErrorKind::NotIssued: return kExitNotIssued;
    case ErrorKind::CertVerify: return kExitCertVerify;
    case ErrorKind::DeployFailed: return kExitDeployFailed;
  }
  return kExitInternal;
}

int Output::fail(const Error& error) const {
  if (json_) {
    print({{"error", {{"code", error.code}, {"message", error.message}, {"hint", error.hint}}}});
  } else {
    std::cerr << "dcvkit: error: " << error.message;
    if (!error.hint.empty()) std::cerr << " (" << error.hint << ")";
    std::cerr << "\n";
  }
  return exit_code_for(error.kind);
}

void Output::warn(std::string_view message) const { std::cerr << "dcvkit: warning: " << message << "\n"; }

void Output::print(const nlohmann::json& value) const {
  // Replace, not throw, on invalid UTF-8 (a CSR subject may carry anything).
  std::cout << value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

Error usage_error(std::string message, std::string hint) {
  return make_error(ErrorKind::Usage, "usage.invalid", std::move(message), std::move(hint));
}

bool has_flag(int argc, char** argv, std::string_view flag) {
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == flag) return true;
  return false;
}

std::optional<cxxopts::ParseResult> parse_options(cxxopts::Options& options, int argc, char** argv,
                                                  const Output& out, int& exit_code) {
  const std::string help_hint = "see: " + options.program() + " --help";
  for (int i = 1; i < argc; ++i) {
    std::string_view a(argv[i]);
    // A key on the command line is readable by every local user through ps: refuse it, and do not
    // echo what followed. (A command whose --key names a key *file* declares it.)
    for (std::string_view bad : {"--auth-key", "--authkey", "--api-key", "--key", "--eab-hmac-key"}) {
      if (bad == "--key" && declares_option(options, "key")) continue;
      if (a == bad || (a.size() > bad.size() && a.substr(0, bad.size() + 1) == std::string(bad) + "=")) {
        exit_code = out.fail(usage_error(
            "there is no " + std::string(bad) + " option: a secret on the command line is visible to every user",
            "pass it in a file (--auth-key-file / --api-key-file / --eab-hmac-key-file), on stdin (--auth-key-stdin) or "
            "in the environment (DCVKIT_AUTH_KEY / DCVKIT_API_KEY / DCVKIT_EAB_HMAC_KEY)"));
        return std::nullopt;
      }
    }
  }
  options.add_options()("h,help", "Show this help");
  try {
    auto result = options.parse(argc, argv);
    if (result.count("help")) {
      std::vector<std::string> shown_groups;
      for (const auto& g : options.groups())
        if (g != kOldSpellings) shown_groups.push_back(g);
      std::cout << options.help(shown_groups);
      exit_code = kExitOk;
      return std::nullopt;
    }
    for (const auto& kv : result.arguments()) {
      // `--out "$OUT"` with OUT unset: say so, instead of "cannot create a file in ''" later.
      if (kv.value().empty()) {
        exit_code = out.fail(usage_error("--" + kv.key() + " is given an empty value",
                                         "give a value; an empty one is usually a shell variable that is not set"));
        return std::nullopt;
      }
    }
    if (!result.unmatched().empty()) {
      exit_code = out.fail(usage_error("unexpected extra argument (" + std::to_string(result.unmatched().size()) +
                                           " not understood; not shown, in case it is a secret)",
                                       help_hint));
      return std::nullopt;
    }
    return result;
  } catch (const cxxopts::exceptions::exception& e) {
    exit_code = out.fail(usage_error(e.what(), help_hint));
    return std::nullopt;
  }
}

Result<Secret> read_secret_file(const std::string& path, std::string_view what, const Output& out) {
  auto data = read_regular_file(path, kMaxAuthKeyBytes, what);
  if (!data) return data.error();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
    out.warn(std::string(what) + " '" + path + "' is readable by group or others: chmod 600 '" + path + "'");
  return Secret(detail::without_line_ending(std::move(*data)));
}


void add_auth_key_options(cxxopts::Options& options) {
  options.add_options("AuthKey (or set DCVKIT_AUTH_KEY)")
      ("auth-key-file", "Read the AuthKey from FILE (one trailing newline is ignored)", cxxopts::value<std::string>(), "FILE")
      ("auth-key-stdin", "Read the AuthKey from standard input");
}

Result<Secret> read_auth_key(const cxxopts::ParseResult& args, const Output& out) {
  const bool from_file = args.count("auth-key-file") > 0, from_stdin = args.count("auth-key-stdin") > 0;
  if (from_file && from_stdin)
    return usage_error("--auth-key-file and --auth-key-stdin both given", "pass the AuthKey one way only");
  const char* env = std::getenv("DCVKIT_AUTH_KEY");
  if ((from_file || from_stdin) && env != nullptr)
    warn_env_overridden(out, "DCVKIT_AUTH_KEY", from_file ? "--auth-key-file" : "--auth-key-stdin");
  Secret key;
  if (from_file) {
    auto read = read_secret_file(args["auth-key-file"].as<std::string>(), "AuthKey file", out);
    if (!read) return read.error();
    key = std::move(*read);
  } else if (from_stdin) {
    auto data = read_stdin_bounded();
    if (!data) return data.error();
    key = Secret(detail::without_line_ending(std::move(*data)));
  } else if (env != nullptr) {
    key = Secret(detail::without_line_ending(env));
  } else {
    return usage_error("no AuthKey given",
                       "pass --auth-key-file FILE, --auth-key-stdin, or set DCVKIT_AUTH_KEY");
  }
  if (key.empty())
    return make_error(ErrorKind::InvalidInput, "authkey.empty", "the AuthKey is empty",
                      "put the AuthKey from CertCentral (dcvkit authkey show) in the file or variable");
  for (const auto& doubt : auth_key_doubts(key.view()))
    out.warn("the AuthKey looks wrong: " + doubt + "; tokens made with it will not match the CA's");
  return key;
}

Result<UnixSeconds> parse_time_option(const cxxopts::ParseResult& args, const std::string& name, const Clock& clock) {
  auto t = parse_instant(args[name].as<std::string>(), clock);
  if (!t) {
    Error e = t.error();
    e.message = "--" + name + ": " + e.message;
    return e;
  }
  return t;
}

void add_token_time_options(cxxopts::Options& options) {
  options.add_options("Token start time (default: now)")
      ("timestamp", "Start time in UTC", cxxopts::value<std::string>(), "YYYYMMDDHHMMSS")
      ("valid-from", "Start time: now, or ISO-8601 like 2026-12-01T00:00:00Z", cxxopts::value<std::string>(), "TIME");
}

Result<UnixSeconds> token_timestamp(const cxxopts::ParseResult& args) {
  if (args.count("timestamp") && args.count("valid-from"))
    return usage_error("--timestamp and --valid-from both given", "give the token's start time once");
  if (args.count("timestamp")) return parse_compact_timestamp(args["timestamp"].as<std::string>());
  if (args.count("valid-from")) return parse_time_option(args, "valid-from", system_clock());
  return default_token_timestamp(system_clock().now());
}


std::string shown(std::string_view untrusted) { return detail::printable(untrusted, 512); }

std::vector<std::string> shown(const std::vector<std::string>& untrusted) {
  std::vector<std::string> out;
  out.reserve(untrusted.size());
  for (const auto& s : untrusted) out.push_back(shown(s));
  return out;
}

std::optional<long long> parse_duration_ms(const std::string& text, bool unit_required) {
  if (text.size() > 2 && text.compare(text.size() - 2, 2, "ms") == 0) {
    const std::string digits = text.substr(0, text.size() - 2);
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return std::stoll(digits);
  }
  if (unit_required && (text.empty() || text.find_last_not_of("0123456789") == std::string::npos)) return std::nullopt;
  auto seconds = parse_duration(text);
  if (!seconds) return std::nullopt;
  return *seconds * 1000;
}

void warn_env_overridden(const Output& out, const char* variable, std::string_view option) {
  out.warn(std::string(variable) + " is set and ignored: " + std::string(option) +
           " wins (an option given for this command beats the environment)");
}

Result<int> wait_timeout_seconds(const cxxopts::ParseResult& args) {
  const auto seconds = parse_duration(args["timeout"].as<std::string>());
  if (!seconds || *seconds <= 0)
    return usage_error("--timeout must be a duration like 90s, 10m or 1h", "a plain number is seconds");
  return static_cast<int>(*seconds);
}

Result<int> timeout_option_ms(const cxxopts::ParseResult& args, const std::string& name, long long max_ms) {
  const std::string text = args[name].as<std::string>();
  auto ms = parse_duration_ms(text, true);
  if (!ms || *ms <= 0 || *ms > max_ms)
    return usage_error("--" + name + " must be a duration from 1ms to " + std::to_string(max_ms / 1000) + "s, like 500ms or 5s",
                       text.find_first_not_of("0123456789") == std::string::npos && !text.empty()
                           ? "a number needs its unit: " + text + "ms or " + text + "s"
                           : "units: ms, s, m, h");
  return static_cast<int>(*ms);
}

Result<int> timeout_option_ms(const cxxopts::ParseResult& args, const std::string& name, long long max_ms,
                              const std::string& old_ms_name) {
  if (old_ms_name.empty() || old_ms_name == name || !args.count(old_ms_name)) return timeout_option_ms(args, name, max_ms);
  const int ms = args[old_ms_name].as<int>();
  if (ms <= 0) return usage_error("--" + old_ms_name + " must be positive", "");
  return ms;
}

}  // namespace dcvkit::cli
