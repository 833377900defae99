#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "dcvkit/csr.hpp"

namespace dcvkit::cli {

int cmd_csr_show(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Parse a CSR, verify its signature, and show its names and key.");
  options.add_options()
      ("file", "The CSR file", cxxopts::value<std::string>(), "FILE")
      ("print-form", "Print only the exact bytes of this CSR form (pem, pem-lf, oneline, base64-body)",
       cxxopts::value<std::string>(), "FORM")
      ("json", "Print one JSON object");
  options.parse_positional({"file"});
  options.positional_help("FILE");
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;
  if (!args->count("file")) return out.fail(usage_error("no CSR file given", "dcvkit csr show FILE"));

  const auto path = args->operator[]("file").as<std::string>();
  auto text = load_csr_file(path);
  if (!text) return out.fail(text.error());
  auto info = inspect_csr(*text);
  if (!info) return out.fail(info.error());
  if (info->weak_key) out.warn("RSA key of " + std::to_string(info->key_bits) + " bits: CAs require at least 2048");

  if (args->count("print-form")) {
    auto form = parse_csr_form(args->operator[]("print-form").as<std::string>());
    if (!form) return out.fail(usage_error("unknown CSR form", "use pem, pem-lf, oneline or base64-body"));
    std::cout << csr_form_bytes(*text, *form);
    return kExitOk;
  }
  if (out.json()) {
    out.print({{"file", path},
               {"subject", info->subject},
               {"common_name", info->common_name},
               {"dns_names", info->dns_names},
               {"ip_addresses", info->ip_addresses},
               {"names", info->names()},
               {"key_type", info->key_type},
               {"key_bits", info->key_bits},
               {"curve", info->curve},
               {"signature_algorithm", info->signature_algorithm},
               {"weak_key", info->weak_key},
               {"signature_valid", true}});
    return kExitOk;
  }
  std::cout << "File:       " << path << "\n"
            << "Subject:    " << shown(info->subject) << "\n"
            << "CN:         " << shown(info->common_name) << "\n"
            << "DNS SANs:   " << join(shown(info->dns_names), ", ") << "\n";
  if (!info->ip_addresses.empty()) std::cout << "IP SANs:    " << join(info->ip_addresses, ", ") << "\n";
  std::cout << "Key:        " << info->key_type << " " << info->key_bits << (info->curve.empty() ? "" : " " + info->curve)
            << "\nSignature:  " << info->signature_algorithm << " (verified)\n"
            << "Names:      " << join(shown(info->names()), ", ") << "\n";
  return kExitOk;
}

}  // namespace dcvkit::cli
