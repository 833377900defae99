// dcvkit cert convert IN --to pem|der|p7b|pfx --out F: the format an upload form or server wants.
#include <iostream>

#include "cli/cert_input.hpp"
#include "cli/commands.hpp"
#include "dcvkit/files.hpp"

namespace dcvkit::cli {
namespace {

constexpr mode_t kPublicMode = 0644;
constexpr mode_t kKeyMode = 0600;

}  // namespace

int cmd_cert_convert(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Convert a certificate file: PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.pfx), either way. The\n"
                                    "certificates are written in chain order (leaf first). PFX output holds the key (from the\n"
                                    "input or --key) and is written 0600; PFX to PEM writes the key only with --key-out (0600).");
  options.add_options()
      ("in", "The input file (any format)", cxxopts::value<std::string>(), "FILE")
      ("to", "Output format: pem, der (the leaf alone), p7b, pfx", cxxopts::value<std::string>(), "FORMAT")
      ("out", "Write the result to FILE", cxxopts::value<std::string>(), "FILE")
      ("key", "The private key to put in a PFX (PEM or DER)", cxxopts::value<std::string>(), "FILE")
      ("key-out", "Also write the private key (unencrypted PKCS#8 PEM, 0600) to FILE", cxxopts::value<std::string>(), "FILE")
      ("profile", "PKCS#12 encryption: modern (AES-256, SHA-256 MAC) or legacy (3DES, SHA-1 MAC)",
       cxxopts::value<std::string>()->default_value("modern"), "PROFILE")
      ("name", "PKCS#12 friendly name", cxxopts::value<std::string>(), "NAME")
      ("force", "Replace output files that exist")
      ("json", "Print one JSON object");
  add_pfx_password_option(options);
  add_key_password_option(options);
  options.parse_positional({"in"});
  options.positional_help("IN");
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;
  if (!args->count("in") || !args->count("to") || !args->count("out"))
    return out.fail(usage_error("an input file, --to and --out are needed", "dcvkit cert convert IN --to pem|der|p7b|pfx --out FILE"));
  const auto format = cert::parse_format((*args)["to"].as<std::string>());
  if (!format) return out.fail(usage_error("unknown --to format", "use pem, der, p7b or pfx"));
  const auto profile = cert::parse_pkcs12_profile((*args)["profile"].as<std::string>());
  if (!profile) return out.fail(usage_error("unknown --profile", "use modern or legacy"));
  if (args->count("key-out") && *format == cert::Format::Pfx)
    return out.fail(usage_error("--key-out goes with --to pem|der|p7b", "a PFX holds the key itself"));

  auto password = read_pfx_password(*args, out);
  if (!password) return out.fail(password.error());
  auto bundle = read_bundle_file((*args)["in"].as<std::string>(), *password);
  if (!bundle) return out.fail(bundle.error());
  if (args->count("key")) {
    auto key_password = read_key_password(*args, out);
    if (!key_password) return out.fail(key_password.error());
    auto key = read_key_file((*args)["key"].as<std::string>(), *key_password);
    if (!key) return out.fail(key.error());
    bundle->key = std::move(*key);
  }
  auto ordered = in_chain_order(bundle->certs);
  if (!ordered) return out.fail(ordered.error());

  const std::string out_path = (*args)["out"].as<std::string>();
  std::string certs_data;
  Secret secret_data;  // the output when it holds the key
  if (*format == cert::Format::Pfx) {
    if (bundle->key.empty())
      return out.fail(usage_error("a PFX needs the private key, and the input has none", "pass --key FILE"));
    if (!*password || (*password)->empty())
      return out.fail(make_error(ErrorKind::Usage, "cert.password_needed", "a PFX needs a password to protect its key",
                                 "pass it in a file: --password-file FILE (or set DCVKIT_PFX_PASSWORD)"));
    auto pfx = cert::encode_pkcs12(*ordered, bundle->key, **password, *profile,
                                   args->count("name") ? (*args)["name"].as<std::string>() : "");
    if (!pfx) return out.fail(pfx.error());
    secret_data = std::move(*pfx);
  } else {
    auto encoded = cert::encode_certificates(*ordered, *format);
    if (!encoded) return out.fail(encoded.error());
    certs_data = std::move(*encoded);
  }
  std::vector<FileContent> files;
  if (*format == cert::Format::Pfx)
    files.push_back({out_path, secret_data.view(), kKeyMode});
  else
    files.push_back({out_path, certs_data, kPublicMode});
  Secret key_pem;
  if (args->count("key-out")) {
    if (bundle->key.empty()) return out.fail(usage_error("--key-out: the input has no private key", "pass --key FILE"));
    auto pem = cert::private_key_pem(bundle->key);
    if (!pem) return out.fail(pem.error());
    key_pem = std::move(*pem);
    files.push_back({(*args)["key-out"].as<std::string>(), key_pem.view(), kKeyMode});
  }
  if (auto ok = write_file_set(files, args->count("force") > 0); !ok) return out.fail(ok.error());

  const std::size_t written = *format == cert::Format::Der ? 1 : ordered->size();
  const bool key_left_out = !bundle->key.empty() && *format != cert::Format::Pfx && !args->count("key-out");
  if (out.json()) {
    out.print({{"out", out_path},
               {"format", cert::format_name(*format)},
               {"certificates", written},
               {"key", *format == cert::Format::Pfx},
               {"key_out", args->count("key-out") ? (*args)["key-out"].as<std::string>() : ""},
               {"profile", *format == cert::Format::Pfx ? (*args)["profile"].as<std::string>() : ""}});
    return kExitOk;
  }
  std::cout << "wrote " << out_path << " (" << cert::format_name(*format) << ", " << written << " certificate"
            << (written == 1 ? "" : "s") << (*format == cert::Format::Pfx ? " and the key, " + (*args)["profile"].as<std::string>() + " profile, mode 0600" : "")
            << ")\n";
  if (args->count("key-out")) std::cout << "wrote " << (*args)["key-out"].as<std::string>() << " (private key, mode 0600)\n";
  if (*format == cert::Format::Der && ordered->size() > 1)
    out.warn("DER holds one certificate: the " + std::to_string(ordered->size() - 1) + " chain certificate(s) were not written");
  if (key_left_out) out.warn("the input's private key was not written (--key-out FILE writes it)");
  return kExitOk;
}

}  // namespace dcvkit::cli
