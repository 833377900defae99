#include "cli/acme_options.hpp"

#include <cstdlib>
#include <iostream>

namespace dcvkit::cli {

void add_acme_options(cxxopts::Options& options) {
  options.add_options("ACME CA (or set DCVKIT_ACME_DIRECTORY)")
      ("directory", "Directory URL, or letsencrypt, letsencrypt-staging, digicert, zerossl, google, jprs",
       cxxopts::value<std::string>(), "URL")
      ("account-key", "The account's private key (PEM; kept 0600, never printed)", cxxopts::value<std::string>(), "FILE")
      ("ca-bundle", "Also trust the CA certificates in this PEM file (TLS, and as the chain's root)",
       cxxopts::value<std::string>(), "FILE")
      ("request-timeout", "Seconds one request to the CA may take", cxxopts::value<int>()->default_value("60"), "S")
      ("v,verbose", "Show each request (JWS payloads decoded) and answer on stderr; keys never shown");
}

Result<AcmeSession> acme_session(const cxxopts::ParseResult& args, bool create_key) {
  std::string where;
  if (args.count("directory"))
    where = args["directory"].as<std::string>();
  else if (const char* env = std::getenv("DCVKIT_ACME_DIRECTORY"); env && *env)
    where = env;
  else
    return usage_error("--directory is required", "give the CA's directory URL or a preset, e.g. --directory letsencrypt");
  auto url = acme::resolve_directory(where);
  if (!url) return url.error();
  if (!args.count("account-key"))
    return usage_error("--account-key FILE is required",
                       create_key ? "name the file to keep the account key in (generated when it does not exist)"
                                  : "give the account key 'dcvkit acme register' wrote");
  AcmeSession s;
  s.account_key_path = args["account-key"].as<std::string>();
  auto alg = acme::parse_key_algorithm(args.count("account-key-type") ? args["account-key-type"].as<std::string>() : "es256");
  if (!alg) return usage_error("--account-key-type must be es256 or rs256", "");
  auto key = create_key ? acme::AccountKey::load_or_create(s.account_key_path, *alg, s.key_created)
                        : acme::AccountKey::load(s.account_key_path);
  if (!key) return key.error();
  acme::ClientOptions o;
  o.directory_url = *url;
  if (args.count("ca-bundle")) o.ca_bundle = args["ca-bundle"].as<std::string>();
  const int timeout = args["request-timeout"].as<int>();
  if (timeout <= 0 || timeout > 3600) return usage_error("--request-timeout must be 1 to 3600 seconds", "");
  o.timeout_ms = timeout * 1000L;
  o.connect_timeout_ms = std::min(o.timeout_ms, 10000L);
  if (args.count("verbose")) o.wire_log = [](std::string_view line) { std::cerr << line << "\n"; };
  auto client = acme::Client::connect(std::move(o), std::move(*key));
  if (!client) return client.error();
  s.client = std::move(*client);
  return s;
}

Result<acme::Account> acme_account(AcmeSession& session) {
  auto account = session.client->find_account();
  if (!account && account.error().code == "acme.accountDoesNotExist") {
    Error e = account.error();
    e.hint = "register it first: dcvkit acme register --directory ... --account-key " + session.account_key_path +
             " --agree-tos";
    return e;
  }
  return account;
}

nlohmann::json account_json(const acme::Account& a, const acme::Client& client) {
  return {{"account_url", a.url},
          {"status", a.status},
          {"contacts", a.contacts},
          {"created", a.created},
          {"key_algorithm", std::string(acme::to_string(client.key().algorithm()))},
          {"key_thumbprint", client.key().thumbprint()},
          {"directory", {{"terms_of_service", client.directory().terms_of_service},
                         {"external_account_required", client.directory().external_account_required}}}};
}

}  // namespace dcvkit::cli
