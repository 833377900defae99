#include "x509_build.hpp"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <array>

namespace dcvkit::sandbox {
namespace {

using Asn1Integer = std::unique_ptr<ASN1_INTEGER, FreeWith<ASN1_INTEGER_free>>;
using BigNum = std::unique_ptr<BIGNUM, FreeWith<BN_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, FreeWith<X509_EXTENSION_free>>;

Error openssl_error(const std::string& what) {
  return make_error(ErrorKind::Internal, "sandbox.openssl", what + ": " + ossl::last_error());
}

constexpr std::size_t kMaxCommonName = 64;  // ub-common-name (RFC 5280)

bool set_subject(X509* cert, const CertSpec& spec) {
  X509_NAME* name = X509_get_subject_name(cert);
  auto add = [name](const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()),
                                      -1, -1, 0) == 1;
  };
  if (!spec.organization.empty() && !add("O", spec.organization)) return false;
  if (!spec.common_name.empty() && spec.common_name.size() <= kMaxCommonName && !add("CN", spec.common_name))
    return false;
  return true;
}

bool set_random_serial(X509* cert) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return false;
  bytes[0] &= 0x7f;  // positive
  bytes[0] |= 0x01;  // and 16 bytes long, never a shorter encoding
  BigNum bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!bn) return false;
  Asn1Integer serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  return serial && X509_set_serialNumber(cert, serial.get()) == 1;
}

bool add_conf_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  Extension ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

bool add_general_name(GENERAL_NAMES* names, int type, ASN1_STRING* value) {
  GENERAL_NAME* name = GENERAL_NAME_new();
  if (name == nullptr) {
    ASN1_STRING_free(value);
    return false;
  }
  GENERAL_NAME_set0_value(name, type, value);
  if (sk_GENERAL_NAME_push(names, name) == 0) {
    GENERAL_NAME_free(name);
    return false;
  }
  return true;
}

// Built from GENERAL_NAMEs directly: a name never goes through the config-string parser.
bool add_subject_alt_names(X509* cert, const CertSpec& spec) {
  if (spec.dns_names.empty() && spec.ip_addresses.empty()) return true;
  ossl::GeneralNames names(sk_GENERAL_NAME_new_null());
  if (!names) return false;
  for (const auto& dns : spec.dns_names) {
    ASN1_IA5STRING* value = ASN1_IA5STRING_new();
    if (value == nullptr || ASN1_STRING_set(value, dns.data(), static_cast<int>(dns.size())) != 1) {
      ASN1_IA5STRING_free(value);
      return false;
    }
    if (!add_general_name(names.get(), GEN_DNS, value)) return false;
  }
  for (const auto& ip : spec.ip_addresses) {
    ASN1_OCTET_STRING* value = a2i_IPADDRESS(ip.c_str());
    if (value == nullptr || !add_general_name(names.get(), GEN_IPADD, value)) return false;
  }
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

bool add_profile_extensions(X509* cert, const X509* issuer, const CertSpec& spec, EVP_PKEY* subject_key) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, const_cast<X509*>(issuer), cert, nullptr, nullptr, 0);
  switch (spec.profile) {
    case CertProfile::Root:
    case CertProfile::Intermediate: {
      const bool root = spec.profile == CertProfile::Root;
      if (!add_conf_extension(cert, &ctx, NID_basic_constraints, root ? "critical,CA:TRUE" : "critical,CA:TRUE,pathlen:0") ||
          !add_conf_extension(cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") ||
          !add_conf_extension(cert, &ctx, NID_subject_key_identifier, "hash"))
        return false;
      return root || add_conf_extension(cert, &ctx, NID_authority_key_identifier, "keyid:always");
    }
    case CertProfile::Leaf: {
      const bool rsa = EVP_PKEY_is_a(subject_key, "RSA") == 1;
      return add_conf_extension(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
             add_conf_extension(cert, &ctx, NID_key_usage,
                                rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature") &&
             add_conf_extension(cert, &ctx, NID_ext_key_usage, "serverAuth") &&
             add_conf_extension(cert, &ctx, NID_subject_key_identifier, "hash") &&
             add_conf_extension(cert, &ctx, NID_authority_key_identifier, "keyid:always") &&
             add_subject_alt_names(cert, spec);
    }
  }
  return false;
}

}  // namespace

Result<ossl::PKey> generate_p256_key() {
  ossl::PKey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return openssl_error("cannot generate a P-256 key");
  return key;
}

Result<ossl::X509Ptr> build_certificate(const CertSpec& spec, EVP_PKEY* subject_key, const Signer& signer) {
  ossl::X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 || !set_random_serial(cert.get()) ||
      X509_set_pubkey(cert.get(), subject_key) != 1 || !set_subject(cert.get(), spec) ||
      ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(spec.not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(spec.not_after)) == nullptr)
    return openssl_error("cannot fill in the certificate");
  const X509* issuer = signer.certificate != nullptr ? signer.certificate : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer)) != 1 ||
      !add_profile_extensions(cert.get(), issuer, spec, subject_key))
    return openssl_error("cannot add the certificate's extensions");
  EVP_PKEY* signing_key = signer.key != nullptr ? signer.key : subject_key;
  if (X509_sign(cert.get(), signing_key, EVP_sha256()) <= 0) return openssl_error("cannot sign the certificate");
  return cert;
}

std::string certificate_pem(const X509* certificate) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Result<std::string> private_key_pem(EVP_PKEY* key) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return openssl_error("cannot write the private key");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Result<ossl::X509Ptr> certificate_from_pem(std::string_view pem) {
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return openssl_error("not a PEM certificate");
  return cert;
}

Result<ossl::PKey> private_key_from_pem(std::string_view pem) {
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::PKey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return openssl_error("not a PEM private key");
  return key;
}

std::string subject_common_name(const X509* certificate) {
  char buf[256] = {};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, buf, sizeof buf) < 0) {
    ERR_clear_error();
    return {};
  }
  return buf;
}

std::string serial_hex(const X509* certificate) {
  BigNum bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr));
  char* text = bn ? BN_bn2hex(bn.get()) : nullptr;
  if (text == nullptr) return {};
  std::string out(text);
  OPENSSL_free(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace dcvkit::sandbox
