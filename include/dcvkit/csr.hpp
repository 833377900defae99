// Certificate signing requests: loaded byte-exact (the token hashes the CSR text), parsed and
// signature-checked with OpenSSL, offered in the named text forms the CA may hash, and generated.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/error.hpp"
#include "dcvkit/secret.hpp"

namespace dcvkit {

inline constexpr std::size_t kMaxCsrFileBytes = std::size_t{1024} * 1024;

// Which text of the CSR is hashed into the token (DESIGN §2). Pem is the default: it is exactly
// the bytes sent as certificate.csr in the order.
enum class CsrForm {
  Pem,         // the file's bytes as they are (text before the block, CRLF, no final newline: kept)
  PemLf,       // the PEM block alone, CRLF -> LF, exactly one trailing "\n"
  OneLine,     // "-----BEGIN ...-----" + base64 + "-----END ...-----", no line breaks at all
  Base64Body,  // the base64 between the header and footer, no line breaks
};

std::string_view to_string(CsrForm form);
std::optional<CsrForm> parse_csr_form(std::string_view name);
inline constexpr std::array<CsrForm, 4> kAllCsrForms = {CsrForm::Pem, CsrForm::PemLf, CsrForm::OneLine,
                                                       CsrForm::Base64Body};

// A CSR file as read, with the location of its PEM block. Loading already checks that the block
// is a CSR (not a certificate, key, DER, ...), but not its signature: see inspect_csr.
struct CsrText {
  std::string bytes;        // the file's exact bytes
  std::string label;        // "CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST"
  std::string base64_body;  // base64 of the block, line breaks removed
};

// `origin` names the input in messages (a path, or "<stdin>").
Result<CsrText> load_csr_file(const std::string& path);
Result<CsrText> parse_csr_text(std::string bytes, std::string_view origin);

std::string csr_form_bytes(const CsrText& csr, CsrForm form);

struct CsrInfo {
  std::string common_name;               // "" when the subject has no CN
  std::vector<std::string> dns_names;    // SAN dNSName entries, lowercased, in CSR order
  std::vector<std::string> ip_addresses; // SAN iPAddress entries, textual
  std::string key_type;                  // "RSA", "EC", "ED25519", "ED448"
  int key_bits = 0;                      // modulus bits for RSA, field bits for EC, 253/456 for EdDSA
  std::string curve;                     // "P-256", "P-384", "P-521" for EC, else ""
  std::string signature_algorithm;       // "sha256WithRSAEncryption", "ecdsa-with-SHA256", "ED25519", ...
  std::string subject;                   // one-line RFC 2253 subject
  bool weak_key = false;                 // RSA < 2048

  // CN (lowercased) first if it is a DNS name, then SAN DNS names; duplicates folded.
  std::vector<std::string> names() const;
};

// Parses with OpenSSL and verifies the self-signature ("csr.bad_signature" when it fails).
Result<CsrInfo> inspect_csr(const CsrText& csr);

enum class KeyType { Rsa2048, Rsa3072, Rsa4096, P256, P384 };
std::string_view to_string(KeyType type);
std::optional<KeyType> parse_key_type(std::string_view name);  // "rsa2048", ..., "p256", "p384"

struct CsrRequest {
  std::string common_name;
  std::vector<std::string> sans;  // the CN is added as a SAN too; duplicates folded
  KeyType key_type = KeyType::P256;
};

struct GeneratedCsr {
  Secret private_key_pem;  // PKCS#8 PEM
  std::string csr_pem;
  std::vector<std::string> names;  // canonical names, CN first
};

// Names are validated and canonicalised (names.hpp) before anything is generated.
Result<GeneratedCsr> generate_csr(const CsrRequest& request);

}  // namespace dcvkit
