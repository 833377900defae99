// The DV products the sandbox sells (name_id as CertCentral spells them).
#pragma once

#include <span>
#include <string>

namespace dcvkit::sandbox {

struct Product {
  const char* name_id;
  const char* name;
};

std::span<const Product> dv_products();
const Product* find_product(const std::string& name_id);

}  // namespace dcvkit::sandbox
