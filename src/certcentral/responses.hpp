// The API's JSON answers read into the typed structs (certcentral.hpp). An answer without what
// the call must return is an error ("api.bad_answer"); unknown members are ignored.
#pragma once

#include <string_view>
#include <vector>

#include "dcvkit/certcentral.hpp"

namespace dcvkit::certcentral {

Result<AuthKeyInfo> parse_auth_key(std::string_view body);
Result<std::vector<Product>> parse_products(std::string_view body);
Result<OrderCreated> parse_order_created(std::string_view body);
Result<OrderInfo> parse_order_info(std::string_view body);
Result<OrderList> parse_order_list(std::string_view body);
Result<DcvCheck> parse_dcv_check(std::string_view body);

}  // namespace dcvkit::certcentral
