// dcvkit acme register | show | deactivate: the ACME account of an account key.
#include <algorithm>
#include <functional>
#include <iostream>

#include "cli/acme_options.hpp"
#include "cli/commands.hpp"

namespace dcvkit::cli {
namespace {

constexpr const char* kEabEnv = "DCVKIT_EAB_HMAC_KEY";

void print_account(const acme::Account& a, const acme::Client& client, std::string_view headline) {
  std::cout << headline << " " << shown(a.url) << "\n"
            << "  status       " << shown(a.status) << "\n"
            << "  key          " << acme::to_string(client.key().algorithm()) << ", thumbprint " << client.key().thumbprint()
            << "\n";
  for (const auto& c : a.contacts) std::cout << "  contact      " << shown(c) << "\n";
  if (!client.directory().terms_of_service.empty())
    std::cout << "  terms        " << shown(client.directory().terms_of_service) << "\n";
}

Result<std::vector<std::string>> contacts(const cxxopts::ParseResult& args) {
  std::vector<std::string> out;
  if (!args.count("email")) return out;
  for (const auto& e : args["email"].as<std::vector<std::string>>()) {
    const auto at = e.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= e.size() || e.find_first_of(" ,;<>\"\t\r\n") != std::string::npos)
      return usage_error("--email '" + shown(e) + "' is not an e-mail address", "give one address per --email");
    const std::string uri = "mailto:" + e;
    if (std::find(out.begin(), out.end(), uri) != out.end())
      return usage_error("--email '" + shown(e) + "' is given twice", "CAs refuse duplicate contacts (JPRS among them)");
    out.push_back(uri);
  }
  return out;
}

}  // namespace

int cmd_acme_register(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Create the ACME account of an account key (generated, mode 0600, when FILE does not\n"
                                    "exist). With --eab-kid the account is bound to the CA account that issued the EAB\n"
                                    "credentials; the HMAC key comes from --eab-hmac-key-file or DCVKIT_EAB_HMAC_KEY.");
  add_acme_options(options);
  options.add_options()
      ("account-key-type", "Type of a new account key: es256 (P-256, default) or rs256", cxxopts::value<std::string>()->default_value("es256"), "T")
      ("email", "Contact address; repeat for more", cxxopts::value<std::vector<std::string>>(), "ADDR")
      ("agree-tos", "Agree to the CA's terms of service (required by every CA)")
      ("eab-kid", "External Account Binding key id", cxxopts::value<std::string>(), "ID")
      ("eab-hmac-key-file", "File holding the EAB HMAC key (base64url)", cxxopts::value<std::string>(), "FILE")
      ("json", "Print one JSON object");
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;
  if (!args->count("agree-tos"))
    return out.fail(usage_error("--agree-tos is required", "read the CA's terms of service, then pass --agree-tos"));
  if (args->count("eab-hmac-key-file") && !args->count("eab-kid"))
    return out.fail(usage_error("--eab-hmac-key-file needs --eab-kid", "give the EAB key id the CA issued with the key"));
  auto mail = contacts(*args);
  if (!mail) return out.fail(mail.error());
  acme::NewAccount request;
  request.contacts = std::move(*mail);
  request.terms_agreed = true;
  if (args->count("eab-kid")) {
    auto eab = acme::load_eab_credentials(args->operator[]("eab-kid").as<std::string>(),
                                          args->count("eab-hmac-key-file") ? args->operator[]("eab-hmac-key-file").as<std::string>() : "",
                                          kEabEnv);
    if (!eab) return out.fail(eab.error());
    request.eab = std::move(*eab);
  }
  auto session = acme_session(*args, true);
  if (!session) return out.fail(session.error());
  if (session->key_created && !out.json()) std::cerr << "dcvkit: generated a new account key in " << session->account_key_path << " (mode 0600)\n";
  auto account = session->client->register_account(request);
  if (!account) return out.fail(account.error());
  if (out.json()) {
    auto j = account_json(*account, *session->client);
    j["key_created"] = session->key_created;
    j["eab"] = request.eab.has_value();
    out.print(j);
  } else {
    print_account(*account, *session->client, account->created ? "Registered account" : "Account already registered:");
  }
  return kExitOk;
}

namespace {

// show and deactivate: the account of the key (looked up, never created), then `act` on it.
int on_account(int argc, char** argv, const char* description, std::string_view headline,
               const std::function<Result<acme::Account>(AcmeSession&, acme::Account)>& act) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], description);
  add_acme_options(options);
  options.add_options()("json", "Print one JSON object");
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;
  auto session = acme_session(*args, false);
  if (!session) return out.fail(session.error());
  auto found = acme_account(*session);
  if (!found) return out.fail(found.error());
  auto account = act(*session, std::move(*found));
  if (!account) return out.fail(account.error());
  if (out.json())
    out.print(account_json(*account, *session->client));
  else
    print_account(*account, *session->client, headline);
  return kExitOk;
}

}  // namespace

int cmd_acme_show(int argc, char** argv) {
  return on_account(argc, argv, "Show the ACME account of an account key (looked up, never created).", "Account",
                    [](AcmeSession&, acme::Account a) -> Result<acme::Account> { return a; });
}

int cmd_acme_deactivate(int argc, char** argv) {
  return on_account(argc, argv,
                    "Deactivate the ACME account of an account key. This cannot be undone: the CA\n"
                    "refuses every later request signed with the key.",
                    "Deactivated account",
                    [](AcmeSession& s, const acme::Account&) { return s.client->deactivate_account(); });
}

}  // namespace dcvkit::cli
