// dcvkit cert chain FILE...: the certificates of some files in chain order, the links missing,
// and whether the chain verifies (system CAs, or --ca-file).
#include <iostream>

#include "cli/cert_input.hpp"
#include "cli/commands.hpp"
#include "dcvkit/files.hpp"

namespace dcvkit::cli {

int cmd_cert_chain(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Put the certificates of the files in chain order (leaf, intermediates, root), report\n"
                                    "missing links and verify the chain against the system's CAs or --ca-file. Exit 0 when it\n"
                                    "verifies, 16 when not. --out writes the ordered chain as PEM.");
  options.add_options()
      ("files", "Certificate files (any format)", cxxopts::value<std::vector<std::string>>(), "FILE...")
      ("ca-file", "Trust only the CA certificates of FILE (PEM)", cxxopts::value<std::string>(), "FILE")
      ("out", "Write the ordered chain (PEM, leaf first, no root) to FILE", cxxopts::value<std::string>(), "FILE")
      ("force", "Replace --out if it exists")
      ("json", "Print one JSON object");
  add_pfx_password_option(options);
  options.parse_positional({"files"});
  options.positional_help("FILE...");
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;
  if (!args->count("files")) return out.fail(usage_error("no certificate file given", "dcvkit cert chain FILE..."));
  auto password = read_pfx_password(*args, out);
  if (!password) return out.fail(password.error());
  std::vector<std::string> ders;
  for (const auto& path : (*args)["files"].as<std::vector<std::string>>()) {
    auto bundle = read_bundle_file(path, *password);
    if (!bundle) return out.fail(bundle.error());
    ders.insert(ders.end(), bundle->certs.begin(), bundle->certs.end());
  }
  auto order = cert::order_chain(ders);
  if (!order) return out.fail(order.error());
  const UnixSeconds now = system_clock().now();
  std::vector<std::string> ordered;
  nlohmann::json chain = nlohmann::json::array();
  for (auto i : order->order) {
    ordered.push_back(ders[i]);
    auto info = cert::describe(ders[i], now);
    if (!info) return out.fail(info.error());
    chain.push_back(cert_json(*info));
  }
  nlohmann::json unused = nlohmann::json::array();
  for (auto i : order->unused) {
    auto info = cert::describe(ders[i], now);
    if (!info) return out.fail(info.error());
    unused.push_back(cert_json(*info));
  }
  const std::string ca_file = args->count("ca-file") ? (*args)["ca-file"].as<std::string>() : "";
  const Status verified = cert::verify_path(ordered, ca_file, now);
  if (!verified && verified.error().kind != ErrorKind::CertVerify) return out.fail(verified.error());

  if (args->count("out")) {
    // The file a server or upload form wants: leaf and intermediates; the root is the client's to have.
    std::vector<std::string> served = ordered;
    if (order->ends_in_root && served.size() > 1) served.pop_back();
    auto pem = cert::encode_certificates(served, cert::Format::Pem);
    if (!pem) return out.fail(pem.error());
    if (auto ok = write_file_set({{(*args)["out"].as<std::string>(), *pem, 0644}}, args->count("force") > 0); !ok)
      return out.fail(ok.error());
  }
  if (out.json()) {
    out.print({{"chain", chain},
               {"not_on_chain", unused},
               {"ends_in_root", order->ends_in_root},
               {"missing_issuer", order->missing_issuer},
               {"verified", verified.ok()},
               {"error", verified.ok() ? nlohmann::json(nullptr)
                                       : nlohmann::json{{"code", verified.error().code}, {"message", verified.error().message},
                                                        {"hint", verified.error().hint}}}});
    return verified.ok() ? kExitOk : kExitCertVerify;
  }
  for (std::size_t pos = 0; pos < chain.size(); ++pos)
    std::cout << pos + 1 << ". " << shown(chain[pos]["subject"].get<std::string>()) << "\n   issued by "
              << shown(chain[pos]["issuer"].get<std::string>()) << ", expires " << chain[pos]["not_after"].get<std::string>() << "\n";
  if (!order->missing_issuer.empty())
    std::cout << "missing: the issuer '" << shown(order->missing_issuer) << "' is not among the files"
              << (verified.ok() ? " (a trusted CA supplies it)" : "") << "\n";
  for (const auto& u : unused) std::cout << "not on the chain: " << shown(u["subject"].get<std::string>()) << "\n";
  if (!verified) return out.fail(verified.error());
  std::cout << "verified: the chain leads to a trusted CA\n";
  return kExitOk;
}

}  // namespace dcvkit::cli
