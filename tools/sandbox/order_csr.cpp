#include "order_csr.hpp"

#include "api.hpp"
#include "csr/der.hpp"
#include "dcvkit/csr.hpp"

namespace dcvkit::sandbox {

ossl::X509Req load_order_csr(const std::string& text) {
  auto csr = parse_csr_text(text, "certificate.csr");
  if (!csr) throw ApiError(400, "invalid_csr", csr.error().message);
  auto info = inspect_csr(*csr);
  if (!info) throw ApiError(400, "invalid_csr", info.error().message);
  const bool rsa_ok = info->key_type == "RSA" && !info->weak_key;
  const bool ec_ok = info->key_type == "EC" && (info->curve == "P-256" || info->curve == "P-384");
  if (!rsa_ok && !ec_ok)
    throw ApiError(400, "invalid_csr",
                   "certificate.csr has a " + info->key_type + " " + std::to_string(info->key_bits) +
                       "-bit key; accepted: RSA of 2048 bits or more, EC P-256 or P-384");
  auto der = csr_detail::base64_decode(csr->base64_body);
  ossl::X509Req req = der ? csr_detail::parse_der_csr(*der) : nullptr;
  if (!req) throw ApiError(400, "invalid_csr", "certificate.csr cannot be parsed");
  return req;
}

}  // namespace dcvkit::sandbox
