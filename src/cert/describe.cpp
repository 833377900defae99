// What `cert show` prints of a certificate: names, validity, key, serial and fingerprints.
#include <openssl/evp.h>

#include <cstdio>
#include <ctime>

#include "cert/x509_util.hpp"
#include "dcvkit/cert_tools.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit::cert {
namespace {

using namespace cert_detail;

constexpr UnixSeconds kDay = 86400;

UnixSeconds unix_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return to_unix(CivilTime{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec});
}

std::string fingerprint(std::string_view der, const EVP_MD* md) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(der.data(), der.size(), digest, &len, md, nullptr) != 1) return {};
  std::string out;
  char hex[4];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, "%02X", digest[i]);
    if (i) out += ':';
    out += hex;
  }
  return out;
}

std::string asn1_text(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<std::size_t>(ASN1_STRING_length(s)));
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  GENERAL_NAME g{};
  g.type = GEN_IPADD;
  g.d.iPAddress = const_cast<ASN1_OCTET_STRING*>(ip);
  if (!bio || GENERAL_NAME_print(bio.get(), &g) != 1) return "IP:?";
  std::string text = bio_text(bio.get());
  return text.rfind("IP Address:", 0) == 0 ? "IP:" + text.substr(11) : text;
}

std::vector<std::string> subject_alt_names(X509* cert) {
  std::vector<std::string> out;
  ossl::GeneralNames names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  ERR_clear_error();
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
    switch (g->type) {
      case GEN_DNS: out.push_back("DNS:" + asn1_text(g->d.dNSName)); break;
      case GEN_IPADD: out.push_back(ip_text(g->d.iPAddress)); break;
      case GEN_EMAIL: out.push_back("email:" + asn1_text(g->d.rfc822Name)); break;
      case GEN_URI: out.push_back("URI:" + asn1_text(g->d.uniformResourceIdentifier)); break;
      default: out.push_back("other:" + std::to_string(g->type)); break;
    }
  }
  return out;
}

std::string serial_hex(const X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = bn ? BN_bn2hex(bn) : nullptr;
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Whole days left, rounded down, so "0" means it ends within a day.
long long days_until(UnixSeconds end, UnixSeconds now) {
  const UnixSeconds d = end - now;
  return d >= 0 ? d / kDay : -((-d + kDay - 1) / kDay);
}

}  // namespace

Result<CertInfo> describe(std::string_view der, UnixSeconds now) {
  auto cert = parse_der(der);
  if (!cert) return invalid("cert.unreadable", "not a DER certificate");
  CertInfo info;
  info.subject = name_text(X509_get_subject_name(cert.get()));
  info.issuer = name_text(X509_get_issuer_name(cert.get()));
  info.sans = subject_alt_names(cert.get());
  info.not_before = unix_time(X509_get0_notBefore(cert.get()));
  info.not_after = unix_time(X509_get0_notAfter(cert.get()));
  info.days_left = days_until(info.not_after, now);
  if (const EVP_PKEY* key = X509_get0_pubkey(cert.get())) key_description(key, &info.key_type, &info.key_bits, &info.curve);
  info.serial = serial_hex(cert.get());
  info.sha256_fingerprint = fingerprint(der, EVP_sha256());
  info.sha1_fingerprint = fingerprint(der, EVP_sha1());
  info.self_signed = issued_by(cert.get(), cert.get());
  info.is_ca = X509_check_ca(cert.get()) > 0;
  ERR_clear_error();
  return info;
}

}  // namespace dcvkit::cert
