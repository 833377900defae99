// dcvkit cert match: does a private key belong to a certificate (or a CSR)? Exit 0 yes, 17 no.
#include <iostream>

#include "cli/cert_input.hpp"
#include "cli/commands.hpp"
#include "dcvkit/files.hpp"

namespace dcvkit::cli {

int cmd_cert_match(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Tell whether a private key belongs to a certificate or a CSR: exit 0 when it does, 17 when\n"
                                    "not. The public keys are compared whole (RSA, EC, Ed25519), not by a digest.");
  options.add_options()
      ("cert", "The certificate (any format; the leaf of a chain)", cxxopts::value<std::string>(), "FILE")
      ("csr", "A CSR instead of a certificate", cxxopts::value<std::string>(), "FILE")
      ("key", "The private key (PEM or DER; encrypted needs --key-password-file)", cxxopts::value<std::string>(), "FILE")
      ("json", "Print one JSON object");
  add_key_password_option(options);
  add_pfx_password_option(options);
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;
  if (args->count("cert") == args->count("csr"))
    return out.fail(usage_error("give exactly one of --cert FILE and --csr FILE", "dcvkit cert match --cert F --key K"));
  if (!args->count("key")) return out.fail(usage_error("no --key FILE given", "dcvkit cert match --cert F --key K"));

  auto key_password = read_key_password(*args, out);
  if (!key_password) return out.fail(key_password.error());
  auto key = read_key_file((*args)["key"].as<std::string>(), *key_password);
  if (!key) return out.fail(key.error());

  std::string holder;
  const bool is_csr = args->count("csr") > 0;
  const std::string holder_path = (*args)[is_csr ? "csr" : "cert"].as<std::string>();
  if (is_csr) {
    auto data = read_file(holder_path, kMaxCertFileBytes, "CSR file");
    if (!data) return out.fail(data.error());
    auto der = cert::read_csr(*data);
    if (!der) return out.fail(der.error());
    holder = std::move(*der);
  } else {
    auto password = read_pfx_password(*args, out);
    if (!password) return out.fail(password.error());
    auto bundle = read_bundle_file(holder_path, *password);
    if (!bundle) return out.fail(bundle.error());
    auto ordered = in_chain_order(bundle->certs);
    if (!ordered) return out.fail(ordered.error());
    holder = ordered->front();
  }
  auto m = cert::match_key(holder, is_csr ? cert::KeyHolder::Csr : cert::KeyHolder::Certificate, *key);
  if (!m) return out.fail(m.error());
  const std::string what = is_csr ? "CSR" : "certificate";
  if (out.json()) {
    out.print({{"match", m->match}, {is_csr ? "csr" : "cert", holder_path}, {"key", (*args)["key"].as<std::string>()},
               {"holder_key_type", m->holder_key_type}, {"key_type", m->private_key_type}});
  } else if (m->match) {
    std::cout << "match: the key belongs to the " << what << " (" << m->holder_key_type << ")\n";
  } else {
    std::cout << "MISMATCH: the key (" << m->private_key_type << ") does not belong to the " << what << " ("
              << m->holder_key_type << ")\n";
  }
  return m->match ? kExitOk : kExitKeyMismatch;
}

}  // namespace dcvkit::cli
