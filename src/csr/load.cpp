// Loading a CSR file: the bytes are kept exactly as read (the token hashes them), and anything
// that is not one PEM certificate request is refused with a message naming what it is instead.
#include <openssl/pem.h>

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "csr/der.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/files.hpp"
#include "util/display.hpp"

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

// Labels are short; looking only this far keeps a scan of hostile input (a megabyte of BEGIN
// lines without line breaks or END lines) linear.
constexpr std::size_t kMaxLabelSearch = 80;

// The label after `pos` (which points just past "-----BEGIN " or "-----END "), and whether it is
// closed by "-----" on the same line.
std::pair<std::string, bool> read_label(const std::string& bytes, std::size_t pos) {
  std::string_view window = std::string_view(bytes).substr(pos, kMaxLabelSearch);
  std::size_t close = window.find(kDashes);
  std::size_t line_end = window.find_first_of("\r\n");
  bool closed = close != std::string_view::npos && (line_end == std::string_view::npos || close < line_end);
  std::size_t stop = closed ? close : std::min(line_end, window.size());
  return {std::string(window.substr(0, stop)), closed};
}

std::vector<PemBlock> find_blocks(const std::string& bytes) {
  // Every END line, by label, collected once: each block's footer is then a lookup, not a scan.
  constexpr std::string_view kEnd = "-----END ";
  std::map<std::string, std::vector<std::size_t>> footers;
  for (std::size_t pos = 0; (pos = bytes.find(kEnd, pos)) != std::string::npos; pos += kEnd.size()) {
    auto [label, closed] = read_label(bytes, pos + kEnd.size());
    if (closed) footers[label].push_back(pos);
  }

  std::vector<PemBlock> blocks;
  std::size_t pos = 0;
  while ((pos = bytes.find(kBegin, pos)) != std::string::npos) {
    PemBlock block;
    std::size_t label_begin = pos + kBegin.size();
    auto [label, closed] = read_label(bytes, label_begin);
    block.label = std::move(label);
    block.header_complete = closed;
    pos = label_begin;
    if (closed) {
      block.body_begin = label_begin + block.label.size() + kDashes.size();
      block.body_end = bytes.size();
      pos = block.body_begin;
      if (auto it = footers.find(block.label); it != footers.end()) {
        auto end = std::lower_bound(it->second.begin(), it->second.end(), block.body_begin);
        if (end != it->second.end()) {
          block.has_end = true;
          block.body_end = *end;
          pos = *end + kEnd.size() + block.label.size() + kDashes.size();
        }
      }
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

std::string quote(std::string_view s) { return "'" + detail::printable(s, 40) + "'"; }

// "<stdin>" is shown as is, a path in quotes; control bytes never reach the terminal.
std::string where(std::string_view origin) {
  std::string out = detail::printable(origin, 4096);
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
