// The JSON shapes of orders and certificate chains, as CertCentral answers them.
#pragma once

#include <nlohmann/json.hpp>

#include "store.hpp"

namespace dcvkit::sandbox {

// The order object of GET /order/certificate/{id}; a summary (for lists) leaves out the CSR.
nlohmann::json order_json(const OrderRecord& order, bool summary);
// "2026-11-23T04:05:06+00:00", as the API writes dates.
std::string api_date(UnixSeconds t);
// [{"subject_common_name","pem"}...]: leaf, intermediate, root.
nlohmann::json chain_json(const CertificateRecord& certificate);

}  // namespace dcvkit::sandbox
