// A new private key and a CSR for it, with the canonical names as CN + subjectAltName.
#include <openssl/pem.h>

#include <algorithm>

#include "dcvkit/csr.hpp"
#include "dcvkit/names.hpp"
#include "util/openssl_ptr.hpp"

namespace dcvkit {
namespace {

// X.520 ub-common-name: OpenSSL refuses a longer CN, so say so before generating a key.
constexpr std::size_t kMaxCommonName = 64;

Error internal(const std::string& what) {
  return make_error(ErrorKind::Internal, "csr.openssl", what + ": " + ossl::last_error());
}

Result<std::vector<std::string>> canonical_names(const CsrRequest& request) {
  std::vector<std::string> names;
  auto add = [&names](std::string_view raw) -> Status {
    auto name = normalize_dns_name(raw);
    if (!name) return name.error();
    if (std::find(names.begin(), names.end(), *name) == names.end()) names.push_back(std::move(name).value());
    return {};
  };
  if (auto st = add(request.common_name); !st) return st.error();
  for (const auto& san : request.sans)
    if (auto st = add(san); !st) return st.error();
  if (auto st = check_name_count(names.size()); !st) return st.error();
  if (names.front().size() > kMaxCommonName)
    return make_error(ErrorKind::InvalidInput, "csr.cn_too_long",
                      "common name '" + names.front() + "' is longer than " + std::to_string(kMaxCommonName) +
                          " characters, the most a certificate subject allows",
                      "choose a shorter name as the common name and list this one as a SAN");
  return names;
}

ossl::PKey generate_key(KeyType type) {
  switch (type) {
    case KeyType::Rsa2048: return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
    case KeyType::Rsa3072: return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{3072}));
    case KeyType::Rsa4096: return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{4096}));
    case KeyType::P256: return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    case KeyType::P384: return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  }
  return nullptr;
}

bool add_san_extension(X509_REQ* req, const std::vector<std::string>& names) {
  ossl::GeneralNames gens(sk_GENERAL_NAME_new_null());
  if (!gens) return false;
  for (const auto& name : names) {
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    if (ia5 == nullptr || ASN1_STRING_set(ia5, name.data(), static_cast<int>(name.size())) != 1) {
      ASN1_IA5STRING_free(ia5);
      return false;
    }
    GENERAL_NAME* gn = GENERAL_NAME_new();
    if (gn == nullptr) {
      ASN1_IA5STRING_free(ia5);
      return false;
    }
    GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
    if (sk_GENERAL_NAME_push(gens.get(), gn) <= 0) {
      GENERAL_NAME_free(gn);
      return false;
    }
  }
  STACK_OF(X509_EXTENSION)* raw = nullptr;
  int added = X509V3_add1_i2d(&raw, NID_subject_alt_name, gens.get(), 0, X509V3_ADD_DEFAULT);
  ossl::Extensions exts(raw);
  return added == 1 && X509_REQ_add_extensions(req, exts.get()) == 1;
}

Result<std::string> bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return internal("empty PEM output");
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

std::string_view to_string(KeyType type) {
  switch (type) {
    case KeyType::Rsa2048: return "rsa2048";
    case KeyType::Rsa3072: return "rsa3072";
    case KeyType::Rsa4096: return "rsa4096";
    case KeyType::P256: return "p256";
    case KeyType::P384: return "p384";
  }
  return "p256";
}

std::optional<KeyType> parse_key_type(std::string_view name) {
  for (auto type : {KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096, KeyType::P256, KeyType::P384})
    if (to_string(type) == name) return type;
  return std::nullopt;
}

Result<GeneratedCsr> generate_csr(const CsrRequest& request) {
  auto names = canonical_names(request);
  if (!names) return names.error();

  ossl::PKey key = generate_key(request.key_type);
  if (!key) return internal("cannot generate a " + std::string(to_string(request.key_type)) + " key");

  ossl::X509Req req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) return internal("cannot create a CSR");
  X509_NAME* subject = X509_REQ_get_subject_name(req.get());
  const auto& cn = names->front();
  if (X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) != 1)
    return internal("cannot set the CSR common name");
  if (X509_REQ_set_pubkey(req.get(), key.get()) != 1) return internal("cannot set the CSR public key");
  if (!add_san_extension(req.get(), *names)) return internal("cannot add the subjectAltName extension");
  if (X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0) return internal("cannot sign the CSR");

  ossl::Bio csr_bio(BIO_new(BIO_s_mem()));
  if (!csr_bio || PEM_write_bio_X509_REQ(csr_bio.get(), req.get()) != 1) return internal("cannot write the CSR");
  auto csr_pem = bio_text(csr_bio.get());
  if (!csr_pem) return csr_pem.error();

  // Secure memory BIO: the buffer holding the key text is cleansed when freed.
  ossl::Bio key_bio(BIO_new(BIO_s_secmem()));
  if (!key_bio || PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return internal("cannot write the private key");
  auto key_pem = bio_text(key_bio.get());
  if (!key_pem) return key_pem.error();

  GeneratedCsr out;
  out.private_key_pem = Secret(std::move(key_pem).value());
  out.csr_pem = std::move(csr_pem).value();
  out.names = std::move(names).value();
  return out;
}

}  // namespace dcvkit
