// DIR/api-key: one API key per line, each line one account. Made (40 hex characters, mode 0600)
// when the file is absent; read once at start.
#pragma once

#include <string>
#include <vector>

#include "dcvkit/error.hpp"

namespace dcvkit::sandbox {

Result<std::vector<std::string>> load_or_create_api_keys(const std::string& path);

}  // namespace dcvkit::sandbox
