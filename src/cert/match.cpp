// Does this key belong to this certificate or CSR? The most common upload error, answered by
// comparing the public keys themselves (EVP_PKEY_eq), for every key type alike.
#include "cert/x509_util.hpp"
#include "dcvkit/cert_tools.hpp"

namespace dcvkit::cert {

Result<KeyMatch> match_key(std::string_view holder_der, KeyHolder holder, const Secret& key) {
  ossl::X509Ptr cert;
  ossl::X509Req req;
  const EVP_PKEY* holder_key = nullptr;
  if (holder == KeyHolder::Certificate) {
    cert = cert_detail::parse_der(holder_der);
    if (!cert) return cert_detail::invalid("cert.unreadable", "not a DER certificate");
    holder_key = X509_get0_pubkey(cert.get());
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(holder_der.data());
    req.reset(d2i_X509_REQ(nullptr, &p, static_cast<long>(holder_der.size())));
    if (!req) return cert_detail::invalid("cert.csr_unreadable", "not a DER CSR");
    holder_key = X509_REQ_get0_pubkey(req.get());
  }
  ERR_clear_error();
  if (!holder_key) return cert_detail::invalid("cert.unreadable", "the certificate's public key cannot be read");
  auto private_key = cert_detail::parse_pkcs8(key);
  if (!private_key) return cert_detail::invalid("cert.key_unreadable", "the private key cannot be read");
  KeyMatch out;
  out.holder_key_type = cert_detail::key_description(holder_key);
  out.private_key_type = cert_detail::key_description(private_key.get());
  // 1: same key; 0: different; -1: different types; -2: cannot compare. Only 1 is a match.
  out.match = EVP_PKEY_eq(holder_key, private_key.get()) == 1;
  ERR_clear_error();
  return out;
}

}  // namespace dcvkit::cert
