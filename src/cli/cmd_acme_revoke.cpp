// dcvkit acme revoke: revoke a certificate this account ordered.
#include <iostream>

#include "cli/acme_options.hpp"
#include "cli/commands.hpp"
#include "dcvkit/acme_issuance.hpp"
#include "dcvkit/files.hpp"

namespace dcvkit::cli {
namespace {

constexpr std::size_t kMaxCertFileBytes = std::size_t{1} << 20;

}  // namespace

int cmd_acme_revoke(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Revoke a certificate ordered with this account key.");
  add_acme_options(options);
  options.add_options()
      ("cert", "The certificate (cert.pem or fullchain.pem)", cxxopts::value<std::string>(), "FILE")
      ("reason", "unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation (or 0-5)",
       cxxopts::value<std::string>(), "R")
      ("json", "Print one JSON object");
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;
  if (!args->count("cert")) return out.fail(usage_error("--cert FILE is required", "give the cert.pem dcvkit acme order wrote"));
  std::optional<int> reason;
  if (args->count("reason")) {
    reason = acme::parse_revocation_reason(args->operator[]("reason").as<std::string>());
    if (!reason)
      return out.fail(usage_error("--reason '" + shown(args->operator[]("reason").as<std::string>()) + "' is not a revocation reason",
                                  "use unspecified, keyCompromise, affiliationChanged, superseded or cessationOfOperation"));
  }
  const auto path = args->operator[]("cert").as<std::string>();
  auto pem = read_file(path, kMaxCertFileBytes, "certificate file");
  if (!pem) return out.fail(pem.error());
  auto der = acme::certificate_der(*pem);
  if (!der) return out.fail(der.error());
  auto session = acme_session(*args, false);
  if (!session) return out.fail(session.error());
  if (auto found = acme_account(*session); !found) return out.fail(found.error());
  if (auto done = session->client->revoke(*der, reason); !done) return out.fail(done.error());
  if (out.json())
    out.print({{"revoked", true}, {"cert", path}, {"reason", reason ? nlohmann::json(*reason) : nlohmann::json(nullptr)}});
  else
    std::cout << "Revoked the certificate in " << path << "\n";
  return kExitOk;
}

}  // namespace dcvkit::cli
