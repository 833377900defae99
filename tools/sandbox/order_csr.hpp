// The CSR of an order: parsed and signature-checked by the dcvkit CSR module, its key accepted
// only if a public CA would take it (RSA >= 2048, EC P-256/P-384). Errors are 400 invalid_csr.
#pragma once

#include <string>

#include "util/openssl_ptr.hpp"

namespace dcvkit::sandbox {

ossl::X509Req load_order_csr(const std::string& text);  // throws ApiError

}  // namespace dcvkit::sandbox
