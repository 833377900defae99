#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/files.hpp"

namespace dcvkit::cli {

int cmd_csr_new(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Generate a private key (mode 0600) and a CSR whose SANs include the CN.\n"
                                    "Existing files are never replaced without --force.");
  options.add_options()
      ("cn", "Common name (also listed as a SAN)", cxxopts::value<std::string>(), "NAME")
      ("san", "Another DNS name; repeat for more", cxxopts::value<std::vector<std::string>>(), "NAME")
      ("key-type", "rsa2048, rsa3072, rsa4096, p256 or p384", cxxopts::value<std::string>()->default_value("p256"), "T")
      ("key-out", "Where to write the private key (PKCS#8 PEM)", cxxopts::value<std::string>(), "FILE")
      ("csr-out", "Where to write the CSR (PEM)", cxxopts::value<std::string>(), "FILE")
      ("force", "Replace existing files")
      ("json", "Print one JSON object");
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;
  for (const char* required : {"cn", "key-out", "csr-out"})
    if (!args->count(required))
      return out.fail(usage_error(std::string("--") + required + " is required",
                                  "dcvkit csr new --cn NAME --key-out key.pem --csr-out req.csr"));
  auto key_type = parse_key_type(args->operator[]("key-type").as<std::string>());
  if (!key_type)
    return out.fail(usage_error("--key-type '" + args->operator[]("key-type").as<std::string>() + "' is not supported",
                                "use rsa2048, rsa3072, rsa4096, p256 or p384"));
  const auto key_out = args->operator[]("key-out").as<std::string>();
  const auto csr_out = args->operator[]("csr-out").as<std::string>();
  if (key_out == csr_out)
    return out.fail(usage_error("--key-out and --csr-out name the same file", "give two different paths"));
  const bool force = args->count("force") > 0;
  if (!force) {
    // Checked before the (slow) key generation; commit() checks again atomically.
    for (const auto& [path, what] : {std::pair{key_out, "key file"}, std::pair{csr_out, "CSR file"}})
      if (auto absent = ensure_absent(path, what); !absent) return out.fail(absent.error());
  }

  CsrRequest request;
  request.common_name = args->operator[]("cn").as<std::string>();
  if (args->count("san")) request.sans = args->operator[]("san").as<std::vector<std::string>>();
  request.key_type = *key_type;
  auto generated = generate_csr(request);
  if (!generated) return out.fail(generated.error());

  // Both files or neither: stage both, then put the key in place first and take it back if the
  // CSR cannot follow.
  auto key_file = StagedFile::create(key_out, generated->private_key_pem.view(), 0600);
  if (!key_file) return out.fail(key_file.error());
  auto csr_file = StagedFile::create(csr_out, generated->csr_pem, 0644);
  if (!csr_file) return out.fail(csr_file.error());
  if (auto s = key_file->commit(force); !s) return out.fail(s.error());
  if (auto s = csr_file->commit(force); !s) {
    std::remove(key_out.c_str());
    return out.fail(s.error());
  }

  if (out.json()) {
    out.print({{"key_out", key_out}, {"csr_out", csr_out}, {"key_type", to_string(*key_type)}, {"names", generated->names}});
  } else {
    std::cout << "Wrote " << key_out << " (" << to_string(*key_type) << " private key, mode 0600) and " << csr_out
              << "\nNames: " << join(generated->names, ", ") << "\n";
  }
  return kExitOk;
}

}  // namespace dcvkit::cli
