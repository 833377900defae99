// Writing certificates (and a key) in the format a platform wants: PEM, DER, PKCS#7, PKCS#12.
#include <openssl/pem.h>

#include "cert/x509_util.hpp"
#include "dcvkit/cert_tools.hpp"

namespace dcvkit::cert {
namespace {

using namespace cert_detail;

constexpr int kPbeIterations = 2048;  // OpenSSL's PKCS12_DEFAULT_ITER, what `openssl pkcs12 -export` uses
constexpr int kMacIterations = 2048;

Result<std::vector<ossl::X509Ptr>> parse_all(const std::vector<std::string>& ders) {
  if (ders.empty()) return invalid("cert.no_certificate", "no certificate to write");
  std::vector<ossl::X509Ptr> out;
  for (const auto& der : ders) {
    auto c = parse_der(der);
    if (!c) return invalid("cert.unreadable", "not a DER certificate");
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::string> pkcs7_pem(const std::vector<ossl::X509Ptr>& certs) {
  Pkcs7 p7(PKCS7_new());
  if (!p7 || PKCS7_set_type(p7.get(), NID_pkcs7_signed) != 1 || PKCS7_content_new(p7.get(), NID_pkcs7_data) != 1)
    return openssl_failure("cannot build the PKCS#7 structure");
  for (const auto& c : certs)
    if (PKCS7_add_certificate(p7.get(), c.get()) != 1) return openssl_failure("cannot add a certificate to PKCS#7");
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS7(bio.get(), p7.get()) != 1) return openssl_failure("cannot encode PKCS#7");
  return bio_text(bio.get());
}

}  // namespace

Result<std::string> encode_certificates(const std::vector<std::string>& ders, Format format) {
  auto certs = parse_all(ders);
  if (!certs) return certs.error();
  switch (format) {
    case Format::Der: return ders.front();
    case Format::P7b: return pkcs7_pem(*certs);
    case Format::Pem: {
      ossl::Bio bio(BIO_new(BIO_s_mem()));
      for (const auto& c : *certs)
        if (!bio || PEM_write_bio_X509(bio.get(), c.get()) != 1) return openssl_failure("cannot encode PEM");
      return bio_text(bio.get());
    }
    case Format::Pfx: break;
  }
  return make_error(ErrorKind::Usage, "usage.invalid", "PKCS#12 needs the key: use encode_pkcs12");
}

Result<Secret> private_key_pem(const Secret& key) {
  auto pkey = parse_pkcs8(key);
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!pkey || !bio || PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return openssl_failure("cannot encode the private key");
  return secret_from_bio(bio.get());
}

std::optional<Pkcs12Profile> parse_pkcs12_profile(std::string_view name) {
  if (name == "modern") return Pkcs12Profile::Modern;
  if (name == "legacy") return Pkcs12Profile::Legacy;
  return std::nullopt;
}

Result<Secret> encode_pkcs12(const std::vector<std::string>& ders, const Secret& key, const Secret& password,
                             Pkcs12Profile profile, const std::string& friendly_name) {
  if (password.empty())
    return invalid("cert.password_needed", "a PKCS#12 file needs a password (it holds the private key)",
                   "pass it in a file: --password-file FILE (or set DCVKIT_PFX_PASSWORD)");
  auto certs = parse_all(ders);
  if (!certs) return certs.error();
  auto pkey = parse_pkcs8(key);
  if (!pkey) return invalid("cert.key_unreadable", "the private key cannot be read");
  if (X509_check_private_key(certs->front().get(), pkey.get()) != 1) {
    ERR_clear_error();
    return invalid("cert.key_mismatch", "the private key does not belong to the certificate",
                   "dcvkit cert match --cert CERT --key KEY finds the key that does");
  }
  X509Stack ca(sk_X509_new_null());
  for (std::size_t i = 1; i < certs->size(); ++i)
    if (!ca || !X509_up_ref((*certs)[i].get()) || !sk_X509_push(ca.get(), (*certs)[i].get()))
      return openssl_failure("cannot build the PKCS#12 certificate list");
  const bool legacy = profile == Pkcs12Profile::Legacy;
  const int pbe = legacy ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC : NID_aes_256_cbc;
  std::string pass(password.view());
  // The MAC is set below with an explicit digest, so it does not depend on the library's default.
  Pkcs12 p12(PKCS12_create(pass.c_str(), friendly_name.empty() ? nullptr : friendly_name.c_str(), pkey.get(),
                           certs->front().get(), ca.get(), pbe, pbe, kPbeIterations, -1, 0));
  const bool mac_ok = p12 && PKCS12_set_mac(p12.get(), pass.c_str(), static_cast<int>(pass.size()), nullptr, 0, kMacIterations,
                                            legacy ? EVP_sha1() : EVP_sha256()) == 1;
  OPENSSL_cleanse(pass.data(), pass.size());
  if (!mac_ok) return openssl_failure("cannot build the PKCS#12 file");
  unsigned char* der = nullptr;
  const int n = i2d_PKCS12(p12.get(), &der);
  if (n <= 0) return openssl_failure("cannot encode the PKCS#12 file");
  Secret out(std::string(reinterpret_cast<char*>(der), static_cast<std::size_t>(n)));
  OPENSSL_clear_free(der, static_cast<std::size_t>(n));
  return out;
}

}  // namespace dcvkit::cert
