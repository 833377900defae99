// Building and (de)serialising X.509 objects with OpenSSL: P-256 keys, certificates from a spec
// (CA or leaf profile), PEM in and out. The CA (ca.hpp) decides what to build; this file how.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/clock.hpp"
#include "dcvkit/error.hpp"
#include "util/openssl_ptr.hpp"

namespace dcvkit::sandbox {

enum class CertProfile {
  Root,          // CA:TRUE, keyCertSign + cRLSign, self-signed
  Intermediate,  // CA:TRUE pathlen 0, keyCertSign + cRLSign
  Leaf,          // CA:FALSE, digitalSignature (+ keyEncipherment for RSA keys), serverAuth
};

struct CertSpec {
  CertProfile profile = CertProfile::Leaf;
  std::string common_name;   // "" or longer than 64 characters: no CN in the subject
  std::string organization;  // "": none
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  UnixSeconds not_before = 0, not_after = 0;
};

struct Signer {
  const X509* certificate = nullptr;  // null: self-signed (the subject key signs)
  EVP_PKEY* key = nullptr;
};

Result<ossl::PKey> generate_p256_key();
// `subject_key` is the certified public key. Serial: 16 random bytes. Signature: SHA-256.
Result<ossl::X509Ptr> build_certificate(const CertSpec& spec, EVP_PKEY* subject_key, const Signer& signer);

std::string certificate_pem(const X509* certificate);
Result<std::string> private_key_pem(EVP_PKEY* key);  // PKCS#8
Result<ossl::X509Ptr> certificate_from_pem(std::string_view pem);
Result<ossl::PKey> private_key_from_pem(std::string_view pem);
std::string subject_common_name(const X509* certificate);
std::string serial_hex(const X509* certificate);

}  // namespace dcvkit::sandbox
