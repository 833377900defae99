// Private helpers of the cert/ room: DER <-> OpenSSL objects, names as text, error makers.
#pragma once

#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/error.hpp"
#include "dcvkit/secret.hpp"
#include "util/openssl_ptr.hpp"

namespace dcvkit::cert_detail {

using X509Stack = std::unique_ptr<STACK_OF(X509), FreeWith<[](STACK_OF(X509)* s) { sk_X509_pop_free(s, X509_free); }>>;
using Pkcs7 = std::unique_ptr<PKCS7, FreeWith<PKCS7_free>>;
using Pkcs12 = std::unique_ptr<PKCS12, FreeWith<PKCS12_free>>;

Error invalid(std::string code, std::string message, std::string hint = {});
Error openssl_failure(std::string_view what);

ossl::Bio memory_bio(std::string_view data);
std::string bio_text(BIO* bio);
// The memory BIO's contents as a Secret, the BIO's own buffer wiped.
Secret secret_from_bio(BIO* bio);

// Exactly one DER certificate (the whole input), or null.
ossl::X509Ptr parse_der(std::string_view der);
std::string to_der(X509* cert);
// The private key of unencrypted PKCS#8 DER, or null.
ossl::PKey parse_pkcs8(const Secret& key);
Result<Secret> to_pkcs8(EVP_PKEY* key);

std::string name_text(const X509_NAME* name);  // RFC 2253 one-liner
std::string key_description(const EVP_PKEY* key, std::string* type = nullptr, int* bits = nullptr,
                            std::string* curve = nullptr);
// `issuer` issued and signed `subject`.
bool issued_by(X509* subject, X509* issuer);

}  // namespace dcvkit::cert_detail
