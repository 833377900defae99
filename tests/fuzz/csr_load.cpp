// PEM/CSR loading: the armour scan, the refusals (keys, certificates, DER), the base64 and DER
// checks, then OpenSSL's parse and signature check and every CSR form.
#include <string>

#include "dcvkit/cert_chain.hpp"
#include "dcvkit/csr.hpp"
#include "fuzz/fuzz_target.hpp"

namespace fuzz_csr_load {

void run(std::string_view input) {
  auto csr = dcvkit::parse_csr_text(std::string(input), "<fuzz>");
  (void)dcvkit::csr_public_key_der(input);
  if (!csr) return;
  for (auto form : dcvkit::kAllCsrForms) (void)dcvkit::csr_form_bytes(*csr, form);
  if (auto info = dcvkit::inspect_csr(*csr)) (void)info->names();
}

}  // namespace fuzz_csr_load

DCVKIT_FUZZ_ENTRY(fuzz_csr_load::run)
