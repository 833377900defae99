// What every `dcvkit acme` command shares: the directory (URL or preset), the account key file,
// an extra CA bundle, the request time limit and -v; and the client made from them.
#pragma once

#include <cxxopts.hpp>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "dcvkit/acme.hpp"

namespace dcvkit::cli {

void add_acme_options(cxxopts::Options& options);

struct AcmeSession {
  std::unique_ptr<acme::Client> client;
  std::string account_key_path;
  bool key_created = false;
};

// Reads (or, with create_key, generates 0600 when absent) the account key and reads the directory.
Result<AcmeSession> acme_session(const cxxopts::ParseResult& args, bool create_key);
// The account of the session's key (onlyReturnExisting), for commands that need it.
Result<acme::Account> acme_account(AcmeSession& session);

nlohmann::json account_json(const acme::Account& account, const acme::Client& client);

}  // namespace dcvkit::cli
