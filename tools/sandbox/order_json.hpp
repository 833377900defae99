// The JSON shapes of orders and certificate chains, as CertCentral answers them.
#pragma once

#include <nlohmann/json.hpp>

#include "store.hpp"

namespace dcvkit::sandbox {

// The order object of GET /order/certificate/{id}; a summary (for lists) leaves out the CSR.
nlohmann::json order_json(const OrderRecord& order, bool summary);
// [{"subject_common_name","pem"}...]: leaf, intermediate, root.
nlohmann::json chain_json(const CertificateRecord& certificate);

}  // namespace dcvkit::sandbox
