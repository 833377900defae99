// Reading what certificate files hold, whatever their format: the format is told by the content,
// not the file name (a .crt may be PEM or DER, a .p12 is a .pfx).
#include <openssl/pem.h>

#include <algorithm>

#include "cert/x509_util.hpp"
#include "dcvkit/cert_tools.hpp"

namespace dcvkit::cert {
namespace {

using namespace cert_detail;

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kDashes = "-----";

struct PemBlock {
  std::string label;
  std::string_view text;  // from BEGIN to the end of the END line
};

std::vector<PemBlock> pem_blocks(std::string_view data) {
  std::vector<PemBlock> out;
  for (std::size_t at = data.find(kBegin); at != std::string_view::npos; at = data.find(kBegin, at)) {
    const std::size_t label_end = data.find(kDashes, at + kBegin.size());
    if (label_end == std::string_view::npos) break;
    std::string label(data.substr(at + kBegin.size(), label_end - at - kBegin.size()));
    const std::string end_line = "-----END " + label + "-----";
    const std::size_t end = data.find(end_line, label_end);
    if (end == std::string_view::npos) break;
    out.push_back({label, data.substr(at, end + end_line.size() - at)});
    at = end + end_line.size();
  }
  return out;
}

bool is_key_label(std::string_view label) { return label.size() >= 11 && label.substr(label.size() - 11) == "PRIVATE KEY"; }

int password_callback(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* password = static_cast<const Secret*>(user);
  if (!password || password->size() > static_cast<std::size_t>(size)) return -1;
  std::copy(password->view().begin(), password->view().end(), buf);
  return static_cast<int>(password->size());
}

Error key_password_error(const Secret* password) {
  if (!password)
    return invalid("cert.key_password_needed", "the private key is encrypted and no password was given",
                   "pass the key's password in a file: --key-password-file FILE (or set DCVKIT_KEY_PASSWORD)");
  return invalid("cert.key_password_wrong", "the private key cannot be decrypted with the password given",
                 "check the password file (one trailing newline is ignored)");
}

Result<Secret> key_from_pem(std::string_view block, const Secret* password) {
  const bool encrypted = block.find("ENCRYPTED") != std::string_view::npos;
  if (encrypted && !password) return key_password_error(nullptr);
  auto bio = memory_bio(block);
  ossl::PKey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, password_callback, const_cast<Secret*>(password)) : nullptr);
  ERR_clear_error();
  if (!key) {
    if (encrypted) return key_password_error(password);
    return invalid("cert.key_unreadable", "the private key's PEM block cannot be read", "is the file damaged or truncated?");
  }
  return to_pkcs8(key.get());
}

Result<Secret> key_from_der(std::string_view der, const Secret* password) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::PKey key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (key) return to_pkcs8(key.get());
  p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509_SIG, FreeWith<X509_SIG_free>> sealed(d2i_X509_SIG(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!sealed)
    return invalid("cert.key_unreadable", "the file holds no private key in PEM or DER",
                   "give the key file (PEM: -----BEGIN PRIVATE KEY-----)");
  if (!password) return key_password_error(nullptr);
  auto bio = memory_bio(der);
  key.reset(bio ? d2i_PKCS8PrivateKey_bio(bio.get(), nullptr, password_callback, const_cast<Secret*>(password)) : nullptr);
  ERR_clear_error();
  if (!key) return key_password_error(password);
  return to_pkcs8(key.get());
}

Result<std::vector<std::string>> pkcs7_certificates(PKCS7* p7) {
  STACK_OF(X509)* certs = nullptr;
  if (p7 && OBJ_obj2nid(p7->type) == NID_pkcs7_signed && p7->d.sign) certs = p7->d.sign->cert;
  std::vector<std::string> out;
  for (int i = 0; certs && i < sk_X509_num(certs); ++i) out.push_back(to_der(sk_X509_value(certs, i)));
  if (out.empty()) return invalid("cert.no_certificate", "the PKCS#7 file holds no certificate");
  return out;
}

Status add_pem_block(const PemBlock& b, Bundle& bundle, const Secret* password) {
  auto bio = memory_bio(b.text);
  if (b.label == "CERTIFICATE" || b.label == "X509 CERTIFICATE") {
    ossl::X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    if (!cert)
      return invalid("cert.unreadable", "certificate " + std::to_string(bundle.certs.size() + 1) + " of the file cannot be read",
                     "is the file damaged or truncated?");
    bundle.certs.push_back(to_der(cert.get()));
  } else if (b.label == "PKCS7") {
    Pkcs7 p7(bio ? PEM_read_bio_PKCS7(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    auto certs = pkcs7_certificates(p7.get());
    if (!certs) return certs.error();
    bundle.certs.insert(bundle.certs.end(), certs->begin(), certs->end());
    bundle.format = Format::P7b;
  } else if (is_key_label(b.label)) {
    if (!bundle.key.empty())
      return invalid("cert.two_keys", "the file holds more than one private key", "keep one key per file");
    auto key = key_from_pem(b.text, password);
    if (!key) return key.error();
    bundle.key = std::move(*key);
  }
  return {};
}

Result<Bundle> read_pkcs12(PKCS12* p12, const Secret* password) {
  std::string pass;
  if (password) {
    pass.assign(password->view());
  } else if (PKCS12_verify_mac(p12, "", 0) != 1 && PKCS12_verify_mac(p12, nullptr, 0) != 1) {
    ERR_clear_error();
    return invalid("cert.password_needed", "the PKCS#12 file is protected by a password and none was given",
                   "pass it in a file: --password-file FILE (or set DCVKIT_PFX_PASSWORD)");
  }
  if (password && PKCS12_verify_mac(p12, pass.c_str(), static_cast<int>(pass.size())) != 1) {
    OPENSSL_cleanse(pass.data(), pass.size());
    ERR_clear_error();
    return invalid("cert.password_wrong", "the PKCS#12 password is wrong (the file's MAC does not verify with it)",
                   "check the password file (one trailing newline is ignored)");
  }
  EVP_PKEY* pkey = nullptr;
  X509* leaf = nullptr;
  STACK_OF(X509)* ca = nullptr;
  const int ok = PKCS12_parse(p12, pass.c_str(), &pkey, &leaf, &ca);
  OPENSSL_cleanse(pass.data(), pass.size());
  ossl::PKey key_owner(pkey);
  ossl::X509Ptr leaf_owner(leaf);
  X509Stack ca_owner(ca);
  if (ok != 1) {
    const std::string why = ossl::last_error();
    return invalid("cert.unreadable", "the PKCS#12 file cannot be opened: " + why,
                   why.find("unsupported") != std::string::npos ? "it may use RC2 or RC4 (OpenSSL 3's legacy provider): "
                                                                  "re-export it with AES or 3DES"
                                                                : "");
  }
  Bundle bundle;
  bundle.format = Format::Pfx;
  if (leaf) bundle.certs.push_back(to_der(leaf));
  for (int i = 0; ca && i < sk_X509_num(ca); ++i) bundle.certs.push_back(to_der(sk_X509_value(ca, i)));
  if (pkey) {
    auto der = to_pkcs8(pkey);
    if (!der) return der.error();
    bundle.key = std::move(*der);
  }
  if (bundle.certs.empty()) return invalid("cert.no_certificate", "the PKCS#12 file holds no certificate");
  return bundle;
}

}  // namespace

std::optional<Format> parse_format(std::string_view name) {
  if (name == "pem") return Format::Pem;
  if (name == "der") return Format::Der;
  if (name == "p7b") return Format::P7b;
  if (name == "pfx") return Format::Pfx;
  return std::nullopt;
}

std::string_view format_name(Format format) {
  switch (format) {
    case Format::Pem: return "pem";
    case Format::Der: return "der";
    case Format::P7b: return "p7b";
    case Format::Pfx: return "pfx";
  }
  return "pem";
}

Result<Bundle> read_bundle(std::string_view data, const Secret* password) {
  Bundle bundle;
  const auto blocks = pem_blocks(data);
  if (!blocks.empty()) {
    for (const auto& b : blocks)
      if (auto ok = add_pem_block(b, bundle, password); !ok) return ok.error();
    if (bundle.certs.empty())
      return invalid("cert.no_certificate", "the PEM file holds no certificate",
                     "give the certificate file (-----BEGIN CERTIFICATE-----)");
    return bundle;
  }
  if (auto cert = parse_der(data)) {
    bundle.format = Format::Der;
    bundle.certs.push_back(to_der(cert.get()));
    return bundle;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  Pkcs7 p7(d2i_PKCS7(nullptr, &p, static_cast<long>(data.size())));
  ERR_clear_error();
  if (p7) {
    auto certs = pkcs7_certificates(p7.get());
    if (!certs) return certs.error();
    bundle.format = Format::P7b;
    bundle.certs = std::move(*certs);
    return bundle;
  }
  p = reinterpret_cast<const unsigned char*>(data.data());
  Pkcs12 p12(d2i_PKCS12(nullptr, &p, static_cast<long>(data.size())));
  ERR_clear_error();
  if (p12) return read_pkcs12(p12.get(), password);
  return invalid("cert.unreadable", "not a certificate file: neither PEM nor DER, PKCS#7 or PKCS#12",
                 "give a .pem/.crt/.cer, .der, .p7b or .pfx/.p12 file");
}

Result<Secret> read_private_key(std::string_view data, const Secret* password) {
  for (const auto& b : pem_blocks(data))
    if (is_key_label(b.label)) return key_from_pem(b.text, password);
  return key_from_der(data, password);
}

Result<std::string> read_csr(std::string_view data) {
  auto bio = memory_bio(data);
  std::unique_ptr<X509_REQ, FreeWith<X509_REQ_free>> req(
      data.find("-----BEGIN") != std::string_view::npos ? PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!req) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    req.reset(d2i_X509_REQ(nullptr, &p, static_cast<long>(data.size())));
  }
  ERR_clear_error();
  unsigned char* der = nullptr;
  const int n = req ? i2d_X509_REQ(req.get(), &der) : -1;
  if (n <= 0)
    return invalid("cert.csr_unreadable", "the file holds no CSR in PEM or DER", "give the CSR (-----BEGIN CERTIFICATE REQUEST-----)");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

}  // namespace dcvkit::cert
