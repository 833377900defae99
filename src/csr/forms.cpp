// The CSR texts a token may be computed over (DESIGN §2: which one the CA hashes is not settled).
#include "dcvkit/csr.hpp"

namespace dcvkit {
namespace {

std::string lf_only(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i)
    if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) out += text[i];
  return out;
}

// For a CsrText built by hand rather than loaded: the block as OpenSSL would write it.
std::string rebuilt_block(const CsrText& csr) {
  std::string out = "-----BEGIN " + csr.label + "-----\n";
  for (std::size_t i = 0; i < csr.base64_body.size(); i += 64) out += csr.base64_body.substr(i, 64) + "\n";
  return out + "-----END " + csr.label + "-----";
}

std::string pem_block(const CsrText& csr) {
  std::string header = "-----BEGIN " + csr.label + "-----";
  std::string footer = "-----END " + csr.label + "-----";
  auto begin = csr.bytes.find(header);
  if (begin == std::string::npos) return rebuilt_block(csr);
  auto end = csr.bytes.find(footer, begin + header.size());
  if (end == std::string::npos) return rebuilt_block(csr);
  return csr.bytes.substr(begin, end + footer.size() - begin);
}

}  // namespace

std::string_view to_string(CsrForm form) {
  switch (form) {
    case CsrForm::Pem: return "pem";
    case CsrForm::PemLf: return "pem-lf";
    case CsrForm::OneLine: return "oneline";
    case CsrForm::Base64Body: return "base64-body";
  }
  return "pem";
}

std::optional<CsrForm> parse_csr_form(std::string_view name) {
  for (auto form : kAllCsrForms)
    if (to_string(form) == name) return form;
  return std::nullopt;
}

std::string csr_form_bytes(const CsrText& csr, CsrForm form) {
  switch (form) {
    case CsrForm::Pem: return csr.bytes;
    case CsrForm::PemLf: return lf_only(pem_block(csr)) + "\n";
    case CsrForm::OneLine:
      return "-----BEGIN " + csr.label + "-----" + csr.base64_body + "-----END " + csr.label + "-----";
    case CsrForm::Base64Body: return csr.base64_body;
  }
  return csr.bytes;
}

}  // namespace dcvkit
