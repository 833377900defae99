// dcvkit GROUP COMMAND [options]: finds the subcommand and hands it the rest of argv.
#include <openssl/opensslv.h>

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "util/posix.hpp"

namespace {

using dcvkit::cli::kExitOk;
using dcvkit::cli::kExitUsage;

struct Command {
  std::string_view group, name, summary;
  int (*run)(int, char**);
};

constexpr Command kCommands[] = {
    {"token", "new", "compute the request token for a CSR", dcvkit::cli::cmd_token_new},
    {"token", "inspect", "show a token's timestamp, validity window and status", dcvkit::cli::cmd_token_inspect},
    {"token", "verify", "check that a token was made from a CSR and AuthKey and is valid now", dcvkit::cli::cmd_token_verify},
    {"csr", "new", "generate a private key and a CSR", dcvkit::cli::cmd_csr_new},
    {"csr", "show", "parse a CSR, verify its signature and show its names and key", dcvkit::cli::cmd_csr_show},
    {"plan", "", "list where the CA will look for each name's token", dcvkit::cli::cmd_plan},
    {"publish", "", "publish tokens: webroot, RFC 2136 (TSIG), hook, or printed zone lines", dcvkit::cli::cmd_publish},
    {"unpublish", "", "remove exactly those tokens again", dcvkit::cli::cmd_unpublish},
    {"check", "", "see what the CA will see for many names: DNS on every nameserver, HTTP", dcvkit::cli::cmd_check},
    {"run", "", "issue every certificate of a manifest end to end; resumable from its ledger", dcvkit::cli::cmd_run},
    {"authkey", "create", "create the account's AuthKey (written only with --out FILE)", dcvkit::cli::cmd_authkey_create},
    {"authkey", "show", "show the AuthKey's id; --out FILE writes the key", dcvkit::cli::cmd_authkey_show},
    {"authkey", "delete", "delete the AuthKey (voids every token made with it)", dcvkit::cli::cmd_authkey_delete},
    {"order", "submit", "order a DV certificate; issued at once when the tokens are in place", dcvkit::cli::cmd_order_submit},
    {"order", "status", "show an order and why it is not issued yet", dcvkit::cli::cmd_order_status},
    {"order", "download", "write an order's certificate files (verified first)", dcvkit::cli::cmd_order_download},
    {"order", "list", "list orders, newest first", dcvkit::cli::cmd_order_list},
    {"acme", "register", "create an ACME account (External Account Binding with --eab-kid)", dcvkit::cli::cmd_acme_register},
    {"acme", "show", "show the ACME account of an account key", dcvkit::cli::cmd_acme_show},
    {"acme", "deactivate", "deactivate the ACME account of an account key (final)", dcvkit::cli::cmd_acme_deactivate},
    {"acme", "order", "order a certificate from an ACME CA (http-01 or dns-01)", dcvkit::cli::cmd_acme_order},
    {"acme", "revoke", "revoke a certificate ordered from an ACME CA", dcvkit::cli::cmd_acme_revoke},
    {"order", "cancel", "cancel an order not issued yet (or a pending reissue)", dcvkit::cli::cmd_order_cancel},
    {"order", "revoke", "revoke an order's certificates, or one certificate (--cert FILE)", dcvkit::cli::cmd_order_revoke},
    {"order", "reissue", "reissue an order's certificate with a new key (--csr FILE)", dcvkit::cli::cmd_order_reissue},
    {"cert", "show", "show a certificate file (PEM, DER, PKCS#7, PKCS#12): names, validity, key", dcvkit::cli::cmd_cert_show},
    {"cert", "match", "tell whether a private key belongs to a certificate or CSR", dcvkit::cli::cmd_cert_match},
    {"cert", "chain", "order certificates leaf to root, report missing links, verify", dcvkit::cli::cmd_cert_chain},
    {"cert", "convert", "convert between PEM, DER, PKCS#7 and PKCS#12 (with the key)", dcvkit::cli::cmd_cert_convert},
    {"cert", "expiry", "days left of what servers serve (TLS with SNI) or files hold", dcvkit::cli::cmd_cert_expiry},
};

void print_help(std::ostream& os, std::string_view only_group = {}) {
  os << "dcvkit - DV request tokens and immediate issuance\n\n"
        "Usage: dcvkit COMMAND SUBCOMMAND [options]   (each subcommand has --help)\n"
        "       dcvkit help COMMAND [SUBCOMMAND]\n"
        "       dcvkit --version\n\n";
  for (const auto& c : kCommands) {
    if (!only_group.empty() && c.group != only_group) continue;
    std::string path = std::string(c.group) + (c.name.empty() ? "" : " " + std::string(c.name));
    os << "  " << path << std::string(path.size() < 17 ? 18 - path.size() : 2, ' ') << c.summary << "\n";
  }
  os << "\nSecrets are read from files, stdin or the environment (DCVKIT_AUTH_KEY, DCVKIT_API_KEY), never from\n"
        "arguments. Exit codes: 0 ok, 1 internal, 2 usage, 3 invalid input, 4 file I/O, 5 token malformed,\n"
        "6 token mismatch, 7 token expired, 8 token not yet valid, 9 some entries of a batch failed,\n"
        "10 some names fail the check, 11 API refused the request, 12 API key missing/wrong or no permission,\n"
        "13 rate limited, 14 network/TLS/timeout/server error, 15 order not issued (yet), 16 certificate\n"
        "verification failed (nothing installed; what arrived is in received-unverified.pem), 17 key does not\n"
        "match (cert match), 18 certificate expires within --warn (cert expiry), 19 deploy hook failed\n"
        "(the certificate is in place).\n";
}

int usage(const std::string& message, bool json, std::string_view group = {}) {
  dcvkit::cli::Output out(json);
  int code = out.fail(dcvkit::cli::usage_error(message, "see: dcvkit --help"));
  if (!json) print_help(std::cerr, group);
  return code;
}

// Hands the command argv with argv[0] = its full name ("dcvkit token new") for --help and errors.
int run_command(const Command& c, int argc, char** argv, int first_arg) {
  std::string path = "dcvkit " + std::string(c.group) + (c.name.empty() ? "" : " " + std::string(c.name));
  std::vector<char*> sub_argv;
  sub_argv.push_back(path.data());
  for (int i = first_arg; i < argc; ++i) sub_argv.push_back(argv[i]);
  sub_argv.push_back(nullptr);
  try {
    return c.run(static_cast<int>(sub_argv.size() - 1), sub_argv.data());
  } catch (const std::exception& e) {
    // A bug, not the user's fault: say so plainly instead of aborting.
    std::cerr << "dcvkit: error: internal error in '" << path << "': " << e.what()
              << " (please report this with the command you ran)\n";
    return dcvkit::cli::kExitInternal;
  }
}

int dispatch(int argc, char** argv) {
  const bool json = dcvkit::cli::wants_json(argc, argv);
  if (argc < 2) return usage("no command given", json);
  const std::string_view first = argv[1];
  if ((first == "help" && argc == 2) || first == "--help" || first == "-h") {
    print_help(std::cout);
    return kExitOk;
  }
  if (first == "help") {  // dcvkit help token new == dcvkit token new --help
    std::vector<char*> again(argv, argv + argc);
    again.erase(again.begin() + 1);
    static char help_flag[] = "--help";
    again.push_back(help_flag);
    again.push_back(nullptr);
    return dispatch(static_cast<int>(again.size() - 1), again.data());
  }
  if (first == "--version" || first == "version") {
    std::cout << "dcvkit " << DCVKIT_VERSION << " (" << OPENSSL_VERSION_TEXT << ")\n";
    return kExitOk;
  }
  bool known_group = false;
  for (const auto& c : kCommands) known_group |= c.group == first;
  if (!known_group) return usage("unknown command '" + std::string(first.substr(0, 40)) + "'", json);

  // Single-word commands (plan, publish, ...) take every argument after their name.
  for (const auto& c : kCommands)
    if (c.group == first && c.name.empty()) return run_command(c, argc, argv, 2);

  if (argc < 3 || std::string_view(argv[2]) == "--help" || std::string_view(argv[2]) == "-h") {
    if (argc >= 3) {
      print_help(std::cout, first);
      return kExitOk;
    }
    return usage("'" + std::string(first) + "' needs a subcommand", json, first);
  }
  for (const auto& c : kCommands)
    if (c.group == first && c.name == argv[2]) return run_command(c, argc, argv, 3);
  return usage("unknown subcommand '" + std::string(first) + " " + std::string(std::string_view(argv[2]).substr(0, 40)) +
                   "'",
               json, first);
}

}  // namespace

int main(int argc, char** argv) {
  dcvkit::posix::disable_core_dumps();
  return dispatch(argc, argv);
}
