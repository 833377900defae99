// Loading a CSR file: the bytes are kept exactly as read (the token hashes them), and anything
// that is not one PEM certificate request is refused with a message naming what it is instead.
#include <openssl/pem.h>

#include <vector>

#include "csr/der.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/files.hpp"

namespace dcvkit {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kDashes = "-----";

struct PemBlock {
  std::string label;
  bool header_complete = false;  // "-----BEGIN <label>-----" on one line
  std::size_t body_begin = 0;
  std::size_t body_end = 0;      // start of the END line
  bool has_end = false;
};

std::vector<PemBlock> find_blocks(const std::string& bytes) {
  std::vector<PemBlock> blocks;
  std::size_t pos = 0;
  while ((pos = bytes.find(kBegin, pos)) != std::string::npos) {
    PemBlock block;
    std::size_t label_begin = pos + kBegin.size();
    std::size_t line_end = bytes.find_first_of("\r\n", label_begin);
    std::size_t close = bytes.find(kDashes, label_begin);
    if (close == std::string::npos || (line_end != std::string::npos && close > line_end)) {
      block.label = bytes.substr(label_begin, (line_end == std::string::npos ? bytes.size() : line_end) - label_begin);
      blocks.push_back(std::move(block));
      pos = label_begin;
      continue;
    }
    block.label = bytes.substr(label_begin, close - label_begin);
    block.header_complete = true;
    block.body_begin = close + kDashes.size();
    std::string footer = "-----END " + block.label + "-----";
    std::size_t end = bytes.find(footer, block.body_begin);
    if (end != std::string::npos) {
      block.has_end = true;
      block.body_end = end;
      pos = end + footer.size();
    } else {
      block.body_end = bytes.size();
      pos = block.body_begin;
    }
    blocks.push_back(std::move(block));
  }
  return blocks;
}

bool is_csr_label(std::string_view label) {
  return label == "CERTIFICATE REQUEST" || label == "NEW CERTIFICATE REQUEST";
}
bool is_certificate_label(std::string_view label) {
  return label == "CERTIFICATE" || label == "X509 CERTIFICATE" || label == "TRUSTED CERTIFICATE";
}
bool is_public_key_label(std::string_view label) { return label == "PUBLIC KEY" || label == "RSA PUBLIC KEY"; }
// Any armour that says PRIVATE (PKCS#8, traditional, encrypted, OpenSSH, PGP) is a key.
bool is_private_key_label(std::string_view label) { return label.find("PRIVATE") != std::string_view::npos; }

// Only fixed strings: no byte of a key file may appear in a message.
std::string_view private_key_kind(std::string_view label) {
  for (std::string_view known : {"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"})
    if (label == known) return known;
  return "private key";
}

std::string quote(std::string_view s) {
  constexpr std::size_t kShown = 40;
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < kShown; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c >= 0x7f) ? '?' : static_cast<char>(c);
  }
  if (s.size() > kShown) out += "...";
  return out + "'";
}

// "<stdin>" is shown as is, a path in quotes; control bytes never reach the terminal.
std::string where(std::string_view origin) {
  std::string out;
  for (unsigned char c : origin) out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  return !out.empty() && out.front() == '<' ? out : "'" + out + "'";
}

Error invalid(std::string code, std::string message, std::string hint) {
  ERR_clear_error();
  return make_error(ErrorKind::InvalidInput, std::move(code), std::move(message), std::move(hint));
}

Error private_key_error(std::string_view origin, std::string_view kind) {
  return invalid("csr.is_private_key",
                 where(origin) + " holds a private key (" + std::string(kind) +
                     "), not a certificate signing request; its content is not shown",
                 "pass the CSR (.csr) file instead, and keep the private key to yourself: it is never sent to the CA");
}

Error certificate_error(std::string_view origin) {
  return invalid("csr.is_certificate", where(origin) + " is a certificate, not a certificate signing request",
                 "this is an issued certificate; pass the CSR (.csr) instead");
}

Error public_key_error(std::string_view origin) {
  return invalid("csr.is_public_key", where(origin) + " is a public key, not a certificate signing request",
                 "pass the CSR (.csr) made from this key instead, e.g. with 'dcvkit csr new'");
}

bool is_blank(const std::string& bytes) {
  return bytes.find_first_not_of(" \t\r\n") == std::string::npos;
}

bool is_text(const std::string& bytes) {
  for (unsigned char c : bytes)
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) return false;
  return true;
}

std::string strip_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') out += c;
  return out;
}

// A file without PEM armour: DER of a CSR or of something else, a bare base64 body, or junk.
Error classify_unarmoured(const std::string& bytes, std::string_view origin) {
  std::string_view der = bytes;
  const std::string hint_der = "convert it to PEM: openssl req -inform DER -in FILE -out FILE.pem";
  if (!der.empty() && static_cast<unsigned char>(der[0]) == 0x30) {
    if (csr_detail::parse_der_csr(der))
      return invalid("csr.der", where(origin) + " is a DER (binary) certificate request; PEM text is needed",
                     hint_der);
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    auto len = static_cast<long>(der.size());
    if (ossl::X509Ptr(d2i_X509(nullptr, &p, len))) return certificate_error(origin);
    p = reinterpret_cast<const unsigned char*>(der.data());
    if (ossl::PKey(d2i_AutoPrivateKey(nullptr, &p, len))) return private_key_error(origin, "DER private key");
    p = reinterpret_cast<const unsigned char*>(der.data());
    if (ossl::PKey(d2i_PUBKEY(nullptr, &p, len))) return public_key_error(origin);
    ERR_clear_error();
    return invalid("csr.der", where(origin) + " is binary (DER) data, not a PEM certificate request", hint_der);
  }
  if (!is_text(bytes))
    return invalid("csr.not_pem", where(origin) + " is binary data, not a PEM certificate request",
                   "pass the CSR file, which starts with '-----BEGIN CERTIFICATE REQUEST-----'");
  if (auto decoded = csr_detail::base64_decode(strip_whitespace(bytes)); decoded && csr_detail::parse_der_csr(*decoded))
    return invalid("csr.not_pem", where(origin) + " is a bare base64 CSR body without its PEM header and footer",
                   "add the lines '-----BEGIN CERTIFICATE REQUEST-----' before and "
                   "'-----END CERTIFICATE REQUEST-----' after it");
  return invalid("csr.not_pem", where(origin) + " does not contain a PEM certificate request",
                 "pass the CSR file, which contains a '-----BEGIN CERTIFICATE REQUEST-----' line");
}

}  // namespace

Result<CsrText> parse_csr_text(std::string bytes, std::string_view origin) {
  if (is_blank(bytes))
    return invalid("csr.empty", where(origin) + " is empty", "pass a CSR file (PEM, '-----BEGIN CERTIFICATE REQUEST-----')");

  auto blocks = find_blocks(bytes);
  // A key anywhere in the file is refused outright: the Pem form would send the whole file.
  for (const auto& block : blocks)
    if (is_private_key_label(block.label)) return private_key_error(origin, private_key_kind(block.label));
  if (blocks.empty()) return classify_unarmoured(bytes, origin);

  const PemBlock* csr = nullptr;
  for (const auto& block : blocks)
    if (is_csr_label(block.label)) csr = &block;
  if (csr == nullptr) {
    const auto& first = blocks.front();
    if (is_certificate_label(first.label)) return certificate_error(origin);
    if (is_public_key_label(first.label)) return public_key_error(origin);
    if (!first.header_complete)
      return invalid("csr.truncated", where(origin) + " has a PEM header line that is cut short",
                     "the file looks truncated; copy the whole CSR again");
    return invalid("csr.not_a_csr", where(origin) + " holds a PEM block of type " + quote(first.label) +
                                        ", not a certificate signing request",
                   "pass the CSR (.csr) file, which starts with '-----BEGIN CERTIFICATE REQUEST-----'");
  }
  if (blocks.size() > 1)
    return invalid("csr.multiple_blocks",
                   where(origin) + " holds " + std::to_string(blocks.size()) + " PEM blocks, not one CSR",
                   "the whole file is hashed into the token and sent to the CA: keep only the CSR in it");
  if (!csr->has_end)
    return invalid("csr.truncated", where(origin) + " has no '-----END " + csr->label + "-----' line",
                   "the file looks truncated; copy the whole CSR again, including the END line");

  std::string body = strip_whitespace(std::string_view(bytes).substr(csr->body_begin, csr->body_end - csr->body_begin));
  auto der = csr_detail::base64_decode(body);
  if (!der)
    return invalid("csr.truncated", where(origin) + " has a damaged base64 body in its PEM block",
                   "the file looks truncated or edited; copy the whole CSR again");
  if (auto declared = csr_detail::der_declared_length(*der); declared && *declared > der->size())
    return invalid("csr.truncated",
                   where(origin) + " holds a cut-short CSR (" + std::to_string(der->size()) + " of " +
                       std::to_string(*declared) + " bytes)",
                   "the file looks truncated; copy the whole CSR again");
  if (!csr_detail::parse_der_csr(*der)) {
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    if (ossl::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der->size())))) return certificate_error(origin);
    return invalid("csr.not_a_csr", where(origin) + " has a CERTIFICATE REQUEST block whose content is not a CSR",
                   "regenerate the CSR, e.g. with 'dcvkit csr new' or 'openssl req -new'");
  }
  CsrText text;
  text.label = csr->label;
  text.base64_body = std::move(body);
  text.bytes = std::move(bytes);
  return text;
}

Result<CsrText> load_csr_file(const std::string& path) {
  auto bytes = read_file(path, kMaxCsrFileBytes, "CSR file");
  if (!bytes) return bytes.error();
  return parse_csr_text(std::move(bytes).value(), path);
}

}  // namespace dcvkit
