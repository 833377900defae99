#include "support/csr_fixtures.hpp"

#include <openssl/pem.h>

#include <map>
#include <mutex>
#include <stdexcept>

#include "util/openssl_ptr.hpp"

namespace dcvkit::test {
namespace {

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("fixture: ") + what + ": " + ossl::last_error());
}

ossl::PKey make_key(FixtureKey key) {
  switch (key) {
    case FixtureKey::Rsa1024: return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024}));
    case FixtureKey::Rsa2048: return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
    case FixtureKey::P256: return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    case FixtureKey::P384: return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
    case FixtureKey::P521: return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"));
    case FixtureKey::Ed25519: return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    case FixtureKey::Ed448: return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448"));
  }
  return nullptr;
}

bool is_eddsa(FixtureKey key) { return key == FixtureKey::Ed25519 || key == FixtureKey::Ed448; }

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

ossl::Bio mem_bio() {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  require(bio != nullptr, "BIO_new");
  return bio;
}

ossl::X509Req make_req(const CsrSpec& spec) {
  ossl::X509Req req(X509_REQ_new());
  require(req != nullptr, "X509_REQ_new");
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  if (!spec.common_name.empty())
    require(X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0),
            "CN");
  if (!spec.organization.empty())
    require(X509_NAME_add_entry_by_NID(name, NID_organizationName, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(spec.organization.c_str()), -1, -1, 0),
            "O");
  EVP_PKEY* key = fixture_key(spec.key);
  require(X509_REQ_set_pubkey(req.get(), key) == 1, "set_pubkey");
  if (!spec.dns_names.empty() || !spec.ip_addresses.empty()) {
    ossl::GeneralNames gens(sk_GENERAL_NAME_new_null());
    for (const auto& dns : spec.dns_names) {
      ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
      ASN1_STRING_set(ia5, dns.data(), static_cast<int>(dns.size()));
      GENERAL_NAME* gn = GENERAL_NAME_new();
      GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
      sk_GENERAL_NAME_push(gens.get(), gn);
    }
    for (const auto& ip : spec.ip_addresses) {
      ASN1_OCTET_STRING* octets = a2i_IPADDRESS(ip.c_str());
      require(octets != nullptr, "a2i_IPADDRESS");
      GENERAL_NAME* gn = GENERAL_NAME_new();
      GENERAL_NAME_set0_value(gn, GEN_IPADD, octets);
      sk_GENERAL_NAME_push(gens.get(), gn);
    }
    STACK_OF(X509_EXTENSION)* raw = nullptr;
    require(X509V3_add1_i2d(&raw, NID_subject_alt_name, gens.get(), 0, X509V3_ADD_DEFAULT) == 1, "add SAN");
    ossl::Extensions exts(raw);
    require(X509_REQ_add_extensions(req.get(), exts.get()) == 1, "add extensions");
  }
  require(X509_REQ_sign(req.get(), key, is_eddsa(spec.key) ? nullptr : EVP_sha256()) > 0, "sign");
  return req;
}

}  // namespace

EVP_PKEY* fixture_key(FixtureKey key) {
  static std::mutex mutex;
  static std::map<FixtureKey, ossl::PKey> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[key];
  if (!slot) slot = make_key(key);
  require(slot != nullptr, "keygen");
  return slot.get();
}

std::string csr_der(const CsrSpec& spec) {
  auto req = make_req(spec);
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req.get(), &der);
  require(len > 0, "i2d_X509_REQ");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string base64(std::string_view der) {
  std::string out(4 * ((der.size() + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(der.data()), static_cast<int>(der.size()));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

std::string pem_wrap(std::string_view der, std::string_view label, std::string_view eol, bool final_eol) {
  std::string body = base64(der);
  std::string out = "-----BEGIN " + std::string(label) + "-----" + std::string(eol);
  for (std::size_t i = 0; i < body.size(); i += 64) out += body.substr(i, 64) + std::string(eol);
  out += "-----END " + std::string(label) + "-----";
  if (final_eol) out += eol;
  return out;
}

std::string csr_pem(const CsrSpec& spec) { return pem_wrap(csr_der(spec), "CERTIFICATE REQUEST"); }

std::string csr_text_dump(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::X509Req req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  require(req != nullptr, "d2i_X509_REQ");
  auto bio = mem_bio();
  require(X509_REQ_print(bio.get(), req.get()) == 1, "X509_REQ_print");
  return bio_string(bio.get());
}

std::string flip_signature(std::string der) {
  der.back() = static_cast<char>(der.back() ^ 0x01);
  return der;
}

std::string certificate_der(FixtureKey key_type) {
  EVP_PKEY* key = fixture_key(key_type);
  ossl::X509Ptr cert(X509_new());
  require(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("cert.example.com"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key);
  require(X509_sign(cert.get(), key, is_eddsa(key_type) ? nullptr : EVP_sha256()) > 0, "X509_sign");
  unsigned char* der = nullptr;
  int len = i2d_X509(cert.get(), &der);
  require(len > 0, "i2d_X509");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string certificate_pem(FixtureKey key) { return pem_wrap(certificate_der(key), "CERTIFICATE"); }

std::string public_key_pem(FixtureKey key) {
  auto bio = mem_bio();
  require(PEM_write_bio_PUBKEY(bio.get(), fixture_key(key)) == 1, "PEM_write_bio_PUBKEY");
  return bio_string(bio.get());
}

std::string private_key_pem(FixtureKey key, KeyArmour armour) {
  auto bio = mem_bio();
  EVP_PKEY* pkey = fixture_key(key);
  int ok = 0;
  static const char kPass[] = "fixture-passphrase";
  switch (armour) {
    case KeyArmour::Pkcs8: ok = PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr); break;
    case KeyArmour::Traditional:
      ok = PEM_write_bio_PrivateKey_traditional(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case KeyArmour::Encrypted:
      ok = PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey, EVP_aes_256_cbc(), kPass, sizeof kPass - 1, nullptr,
                                         nullptr);
      break;
  }
  require(ok == 1, "write private key");
  return bio_string(bio.get());
}

std::string private_key_der(FixtureKey key) {
  unsigned char* der = nullptr;
  int len = i2d_PrivateKey(fixture_key(key), &der);
  require(len > 0, "i2d_PrivateKey");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace dcvkit::test
