#include "cli/api_options.hpp"

#include <cstdlib>
#include <iostream>

#include "util/strings.hpp"

namespace dcvkit::cli {

void add_api_options(cxxopts::Options& options) {
  options.add_options("CertCentral API (or set DCVKIT_API_URL, DCVKIT_API_KEY)")
      ("api-url", "us (default), eu, or the API's base URL", cxxopts::value<std::string>(), "URL")
      ("api-key-file", "Read the API key from FILE (one trailing newline is ignored)", cxxopts::value<std::string>(), "FILE")
      ("ca-bundle", "Also trust the CA certificates in this PEM file (TLS is always verified)", cxxopts::value<std::string>(), "FILE")
      ("api-timeout", "Seconds one API request may take", cxxopts::value<int>()->default_value("90"), "S")
      ("api-retries", "Retries of a request after 429, 5xx or a connection failure (with backoff)",
       cxxopts::value<int>()->default_value("5"), "N")
      ("v,verbose", "Show each API request and answer on stderr (keys redacted)");
}

Result<certcentral::ClientOptions> api_settings(const cxxopts::ParseResult& args) {
  certcentral::ClientOptions o;
  std::string url = "us";
  if (args.count("api-url"))
    url = args["api-url"].as<std::string>();
  else if (const char* env = std::getenv("DCVKIT_API_URL"); env && *env)
    url = env;
  auto resolved = certcentral::resolve_api_url(url);
  if (!resolved) return resolved.error();
  o.base_url = *resolved;
  if (args.count("ca-bundle")) o.ca_bundle = args["ca-bundle"].as<std::string>();
  const int timeout = args["api-timeout"].as<int>();
  if (timeout <= 0 || timeout > 3600) return usage_error("--api-timeout must be 1 to 3600 seconds", "");
  o.timeout_ms = timeout * 1000L;
  o.connect_timeout_ms = std::min(o.timeout_ms, 10000L);
  const int retries = args["api-retries"].as<int>();
  if (retries < 0 || retries > 20) return usage_error("--api-retries must be 0 to 20", "");
  o.retry.max_attempts = retries + 1;
  if (args.count("verbose")) o.wire_log = [](std::string_view line) { std::cerr << line << "\n"; };
  return o;
}

Result<Secret> read_api_key(const cxxopts::ParseResult& args, const Output& out) {
  Secret key;
  const char* env = std::getenv("DCVKIT_API_KEY");
  if (args.count("api-key-file") && env && *env)
    warn_env_overridden(out, "DCVKIT_API_KEY", "--api-key-file");
  if (args.count("api-key-file")) {
    auto read = read_secret_file(args["api-key-file"].as<std::string>(), "API key file", out);
    if (!read) return read.error();
    key = std::move(*read);
  } else if (env && *env) {
    key = Secret(detail::without_line_ending(env));
  } else {
    return make_error(ErrorKind::ApiAuth, "api.no_key", "no API key given",
                      "pass --api-key-file FILE or set DCVKIT_API_KEY (CertCentral: Automation > API keys)");
  }
  if (auto ok = certcentral::validate_api_key(key.view()); !ok) return ok.error();
  return key;
}

Result<std::unique_ptr<certcentral::Client>> api_client(const cxxopts::ParseResult& args, const Output& out) {
  auto settings = api_settings(args);
  if (!settings) return settings.error();
  auto key = read_api_key(args, out);
  if (!key) return key.error();
  settings->api_key = std::move(*key);
  return certcentral::Client::connect(std::move(*settings));
}

}  // namespace dcvkit::cli
