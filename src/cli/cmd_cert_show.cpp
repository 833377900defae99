// dcvkit cert show FILE: what a certificate file holds, in whatever format it comes.
#include <iostream>

#include "cli/cert_input.hpp"
#include "cli/commands.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit::cli {

int cmd_cert_show(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Show a certificate file (PEM, DER, PKCS#7 or PKCS#12): subject, SANs, issuer, validity,\n"
                                    "key, serial, fingerprints, and whether its certificates are in chain order.");
  options.add_options()
      ("file", "The certificate file", cxxopts::value<std::string>(), "FILE")
      ("json", "Print one JSON object (the leaf's fields at the top, every certificate under \"certificates\")");
  add_pfx_password_option(options);
  options.parse_positional({"file"});
  options.positional_help("FILE");
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;
  if (!args->count("file")) return out.fail(usage_error("no certificate file given", "dcvkit cert show FILE"));
  const auto path = (*args)["file"].as<std::string>();
  auto password = read_pfx_password(*args, out);
  if (!password) return out.fail(password.error());
  auto bundle = read_bundle_file(path, *password);
  if (!bundle) return out.fail(bundle.error());
  auto order = cert::order_chain(bundle->certs);
  if (!order) return out.fail(order.error());
  const UnixSeconds now = system_clock().now();
  std::vector<cert::CertInfo> infos;
  for (const auto& der : bundle->certs) {
    auto info = cert::describe(der, now);
    if (!info) return out.fail(info.error());
    infos.push_back(std::move(*info));
  }
  std::vector<std::size_t> file_order(bundle->certs.size());
  for (std::size_t i = 0; i < file_order.size(); ++i) file_order[i] = i;
  const bool in_order = order->unused.empty() && order->order == file_order;
  const cert::CertInfo& leaf = infos[order->order.front()];

  if (out.json()) {
    nlohmann::json j = cert_json(leaf);
    j["file"] = path;
    j["format"] = cert::format_name(bundle->format);
    j["has_key"] = !bundle->key.empty();
    j["chain_in_order"] = in_order;
    j["chain_order"] = order->order;  // indices into "certificates" (file order), leaf first
    j["chain_complete"] = order->ends_in_root;
    j["missing_issuer"] = order->missing_issuer;
    j["certificates"] = nlohmann::json::array();
    for (const auto& info : infos) j["certificates"].push_back(cert_json(info));
    out.print(j);
    return kExitOk;
  }
  std::cout << "File:        " << path << " (" << cert::format_name(bundle->format) << ", " << infos.size() << " certificate"
            << (infos.size() == 1 ? "" : "s") << (bundle->key.empty() ? "" : ", with a private key") << ")\n";
  for (std::size_t pos = 0; pos < order->order.size(); ++pos) {
    const std::size_t i = order->order[pos];
    std::cout << "\n[" << i + 1 << "] " << (pos == 0 ? "leaf" : infos[i].self_signed ? "root" : "intermediate") << "\n";
    print_cert(infos[i], "  ");
  }
  for (auto i : order->unused) {
    std::cout << "\n[" << i + 1 << "] not on the leaf's chain\n";
    print_cert(infos[i], "  ");
  }
  std::cout << "\nChain:       " << (in_order ? "in order (leaf first, each followed by its issuer)" : "NOT in order in the file");
  if (!order->missing_issuer.empty()) std::cout << "; the issuer '" << shown(order->missing_issuer) << "' is not in the file";
  std::cout << "\n";
  return kExitOk;
}

}  // namespace dcvkit::cli
