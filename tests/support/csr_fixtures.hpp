// Test inputs for the CSR module, built at test time with the OpenSSL API: CSRs of every key type,
// certificates, keys in each PEM armour, DER, and damaged variants.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

namespace dcvkit::test {

enum class FixtureKey { Rsa1024, Rsa2048, P256, P384, P521, Ed25519, Ed448 };

// Generated once per process and cached (RSA under ASan is slow). Owned by the cache.
EVP_PKEY* fixture_key(FixtureKey key);

struct CsrSpec {
  FixtureKey key = FixtureKey::P256;
  std::string common_name{};              // "" = no CN
  std::string organization{};             // "" = no O
  std::vector<std::string> dns_names{};   // SAN dNSName entries, as given
  std::vector<std::string> ip_addresses{};  // SAN iPAddress entries, textual
};

std::string csr_der(const CsrSpec& spec);
// PEM armour with 64-column lines joined by `eol`; `final_eol` decides the last line break.
std::string pem_wrap(std::string_view der, std::string_view label, std::string_view eol = "\n",
                     bool final_eol = true);
std::string base64(std::string_view der);  // no line breaks
std::string csr_pem(const CsrSpec& spec);
// What `openssl req -text` prints before the PEM block.
std::string csr_text_dump(std::string_view der);
// The DER with one byte of the signature changed.
std::string flip_signature(std::string der);

std::string certificate_pem(FixtureKey key);
std::string certificate_der(FixtureKey key);
std::string public_key_pem(FixtureKey key);
enum class KeyArmour { Pkcs8, Traditional, Encrypted };  // PRIVATE KEY / RSA|EC PRIVATE KEY / ENCRYPTED PRIVATE KEY
std::string private_key_pem(FixtureKey key, KeyArmour armour);
std::string private_key_der(FixtureKey key);

}  // namespace dcvkit::test
