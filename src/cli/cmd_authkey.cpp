// dcvkit authkey create|show|delete: the account's AuthKey, which every request token is made
// with. The key itself goes only into a file (--out, 0600) or, with --reveal, to a terminal.
#include <unistd.h>

#include <iostream>

#include "cli/api_options.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "dcvkit/certcentral_errors.hpp"
#include "dcvkit/files.hpp"

namespace dcvkit::cli {
namespace {

struct Parsed {
  std::optional<cxxopts::ParseResult> args;
  int exit_code = kExitOk;
};

Parsed parse_authkey(cxxopts::Options& options, int argc, char** argv, const Output& out) {
  options.add_options()("json", "Print one JSON object (never the key)");
  add_api_options(options);
  Parsed p;
  p.args = parse_options(options, argc, argv, out, p.exit_code);
  return p;
}

void add_out_options(cxxopts::Options& options) {
  options.add_options()
      ("out", "Write the AuthKey to FILE (mode 0600, atomically)", cxxopts::value<std::string>(), "FILE")
      ("force", "Replace FILE when it exists");
}

// Checked before the API call, so a refusal never follows a key being made.
Status check_out(const cxxopts::ParseResult& args) {
  if (args.count("out") && !args.count("force")) return ensure_absent(args["out"].as<std::string>(), "AuthKey file");
  return {};
}

Status write_key(const cxxopts::ParseResult& args, const Secret& key) {
  std::string data = std::string(key.view()) + "\n";
  Status ok = write_file_atomic(args["out"].as<std::string>(), data, 0600, args.count("force") > 0);
  Secret wipe(std::move(data));
  return ok;
}

nlohmann::json written_json(const cxxopts::ParseResult& args) {
  return args.count("out") ? nlohmann::json(args["out"].as<std::string>()) : nlohmann::json(nullptr);
}

}  // namespace

int cmd_authkey_create(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Create the account's AuthKey (one per account). The key is written only with --out.");
  add_out_options(options);
  auto p = parse_authkey(options, argc, argv, out);
  if (!p.args) return p.exit_code;
  const auto& args = *p.args;
  if (auto ok = check_out(args); !ok) return out.fail(ok.error());
  auto client = api_client(args, out);
  if (!client) return out.fail(client.error());

  auto created = (*client)->create_auth_key();
  if (!created) {
    Error e = created.error();
    if (certcentral::has_api_code(e, "auth_key_exists_for_account")) {
      e.message = "this account already has an AuthKey (CertCentral keeps one per account)";
      e.hint = "fetch it: dcvkit authkey show --out FILE";
    }
    return out.fail(e);
  }
  if (args.count("out")) {
    if (auto ok = write_key(args, created->key); !ok) {
      Error e = ok.error();
      e.message = "the AuthKey was created (id " + std::to_string(created->id) + ") but not saved: " + e.message;
      e.hint = "fetch it: dcvkit authkey show --out FILE";
      return out.fail(e);
    }
  }
  if (out.json()) {
    out.print({{"auth_key_id", created->id}, {"created", true}, {"written_to", written_json(args)}});
  } else if (args.count("out")) {
    std::cout << "AuthKey created (id " << created->id << "), written to " << args["out"].as<std::string>() << " (mode 0600)\n";
  } else {
    std::cout << "AuthKey created (id " << created->id << "). It is not shown; save it with: dcvkit authkey show --out FILE\n";
  }
  return kExitOk;
}

int cmd_authkey_show(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Show the account's AuthKey id; write the key with --out FILE, or print it to a terminal with --reveal.");
  add_out_options(options);
  options.add_options()("reveal", "Print the key (only when standard output is a terminal)");
  auto p = parse_authkey(options, argc, argv, out);
  if (!p.args) return p.exit_code;
  const auto& args = *p.args;
  const bool reveal = args.count("reveal") > 0;
  if (reveal && (out.json() || !::isatty(STDOUT_FILENO)))
    return out.fail(usage_error("--reveal prints the AuthKey only to a terminal",
                                "to keep it in a file (mode 0600): dcvkit authkey show --out FILE"));
  if (auto ok = check_out(args); !ok) return out.fail(ok.error());
  auto client = api_client(args, out);
  if (!client) return out.fail(client.error());

  auto key = (*client)->get_auth_key();
  if (!key) return out.fail(key.error());
  if (args.count("out"))
    if (auto ok = write_key(args, key->key); !ok) return out.fail(ok.error());
  if (out.json()) {
    out.print({{"auth_key_id", key->id}, {"written_to", written_json(args)}});
    return kExitOk;
  }
  std::cout << "AuthKey id " << key->id;
  if (args.count("out")) std::cout << ", written to " << args["out"].as<std::string>() << " (mode 0600)";
  std::cout << "\n";
  if (reveal)
    std::cout << key->key.view() << "\n";
  else if (!args.count("out"))
    std::cout << "The key is not shown: --out FILE writes it (mode 0600), --reveal prints it on a terminal.\n";
  return kExitOk;
}

int cmd_authkey_delete(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Delete the account's AuthKey. Every request token made with it becomes void.");
  options.add_options()("yes", "Really delete it");
  auto p = parse_authkey(options, argc, argv, out);
  if (!p.args) return p.exit_code;
  if (!p.args->count("yes"))
    return out.fail(usage_error("deleting the AuthKey voids every request token made with it, published or not",
                                "pass --yes to delete it"));
  auto client = api_client(*p.args, out);
  if (!client) return out.fail(client.error());
  if (auto ok = (*client)->delete_auth_key(); !ok) return out.fail(ok.error());
  if (out.json())
    out.print({{"deleted", true}});
  else
    std::cout << "AuthKey deleted: request tokens made with it no longer validate.\n";
  return kExitOk;
}

}  // namespace dcvkit::cli
