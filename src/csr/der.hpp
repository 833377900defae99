// Private helpers shared by the CSR loader and inspector: strict base64 and DER parsing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/openssl_ptr.hpp"

namespace dcvkit::csr_detail {

// Strict RFC 4648 decoding (no whitespace, length a multiple of 4, padding only at the end):
// a damaged PEM body must be reported, not half-decoded.
std::optional<std::string> base64_decode(std::string_view text);

// The length the outer DER SEQUENCE header declares (header included), when it can be read.
std::optional<std::size_t> der_declared_length(std::string_view der);

// A CSR parsed from DER, or null when the bytes are not exactly one X509_REQ (the OpenSSL error
// queue is cleared either way).
ossl::X509Req parse_der_csr(std::string_view der);

}  // namespace dcvkit::csr_detail
