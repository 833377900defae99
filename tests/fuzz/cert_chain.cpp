// The certificate chain the API returns: a PEM bundle split into certificates, each one checked
// (parse, key, names, issuer/signature links, path validation) against the order. The expected
// key is the seed leaf's (corpus/cert_chain/leaf-root.pem), so mutations of the seed chain get
// past the key and name checks into the chain and path checks.
#include <string>

#include "dcvkit/cert_chain.hpp"
#include "fuzz/fuzz_target.hpp"

namespace fuzz_cert_chain {

// SubjectPublicKeyInfo (DER, hex) of the seed leaf's P-256 key.
constexpr std::string_view kSeedLeafKeyHex =
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004eb8cdc44b02aa5caa61e772cee9ed83a4790c07dad25d0c5d345e0"
    "ff351fdacc79b92f19682f9a4c5d5d7d07b327fb9a41702d56ec489658ba680de509dd8161";

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

void run(std::string_view input) {
  auto pems = dcvkit::split_pem_certificates(input);
  if (!pems) return;
  static const dcvkit::ChainExpectation expected{from_hex(kSeedLeafKeyHex), {"example.com", "www.example.com"}};
  auto chain = dcvkit::verify_chain(*pems, expected, fuzz_support::kNow);
  if (chain && (chain->leaf_pem.empty() || chain->names.size() != 2)) __builtin_trap();
}

}  // namespace fuzz_cert_chain

DCVKIT_FUZZ_ENTRY(fuzz_cert_chain::run)
