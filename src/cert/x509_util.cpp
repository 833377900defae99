#include "cert/x509_util.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace dcvkit::cert_detail {

Error invalid(std::string code, std::string message, std::string hint) {
  return make_error(ErrorKind::InvalidInput, std::move(code), std::move(message), std::move(hint));
}

Error openssl_failure(std::string_view what) {
  return make_error(ErrorKind::Internal, "internal.openssl", std::string(what) + ": " + ossl::last_error());
}

ossl::Bio memory_bio(std::string_view data) { return ossl::Bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size()))); }

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

ossl::X509Ptr parse_der(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (cert && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) return nullptr;
  return cert;
}

std::string to_der(X509* cert) {
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert, &der);
  if (n <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

ossl::PKey parse_pkcs8(const Secret& key) {
  const auto* p = reinterpret_cast<const unsigned char*>(key.view().data());
  ossl::PKey pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(key.size())));
  ERR_clear_error();
  return pkey;
}

Result<Secret> to_pkcs8(EVP_PKEY* key) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || i2d_PKCS8PrivateKey_bio(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return openssl_failure("cannot encode the private key");
  return secret_from_bio(bio.get());
}

Secret secret_from_bio(BIO* bio) {
  Secret out(bio_text(bio));
  // The BIO's buffer held the key too: wipe it before it is freed.
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  if (mem && mem->data) OPENSSL_cleanse(mem->data, mem->max);
  return out;
}

std::string name_text(const X509_NAME* name) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  return bio_text(bio.get());
}

std::string key_description(const EVP_PKEY* key, std::string* type, int* bits, std::string* curve) {
  std::string t = "unknown", c;
  const int b = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: t = "RSA"; break;
    case EVP_PKEY_EC: {
      t = "EC";
      char group[80] = {};
      std::size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1) {
        const int nid = OBJ_txt2nid(group);
        const char* nist = nid != NID_undef ? EC_curve_nid2nist(nid) : nullptr;
        c = nist ? nist : group;
      }
      break;
    }
    case EVP_PKEY_ED25519: t = "Ed25519"; break;
    case EVP_PKEY_ED448: t = "Ed448"; break;
    default: break;
  }
  ERR_clear_error();
  if (type) *type = t;
  if (bits) *bits = b;
  if (curve) *curve = c;
  if (t == "RSA") return t + " " + std::to_string(b);
  if (t == "EC") return t + " " + c;
  return t;
}

bool issued_by(X509* subject, X509* issuer) {
  const bool ok = X509_check_issued(issuer, subject) == X509_V_OK && X509_verify(subject, X509_get0_pubkey(issuer)) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace dcvkit::cert_detail
