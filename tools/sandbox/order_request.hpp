// POST /order/certificate/{product}: the body checked field by field (400 with a field-specific
// code) and turned into a pending order.
#pragma once

#include <nlohmann/json.hpp>

#include "store.hpp"

namespace dcvkit::sandbox {

inline constexpr int kMaxValidityDays = 199;

// Throws ApiError. Sets everything but id, account, product and created.
OrderRecord parse_order_request(const nlohmann::json& body);

// dns-txt-token and http-token: the methods the sandbox validates with request tokens.
bool is_token_method(const std::string& dcv_method);

}  // namespace dcvkit::sandbox
