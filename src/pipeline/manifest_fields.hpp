// Reading the fields of a manifest object with errors that name the line and say how to fix it:
// shared by the manifest parser and by each publish provider, which reads its own "publish" object.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dcvkit/error.hpp"

namespace dcvkit::manifest_fields {

// InvalidInput "manifest.invalid", "where: what".
Error bad(const std::string& where, const std::string& what, std::string hint);
// A path relative to the manifest's directory made absolute; "" and absolute paths unchanged.
std::string resolve(const std::string& base_dir, const std::string& path);
// Only these keys; anything else is a typo to report ("allowed: a, b"), not to ignore.
Status only_keys(const nlohmann::json& object, std::initializer_list<const char*> allowed, const std::string& where,
                 const std::string& context);
Status only_keys(const nlohmann::json& object, const std::vector<std::string>& allowed, const std::string& where,
                 const std::string& context);
// A non-empty string, or "" when absent and not required.
Result<std::string> string_field(const nlohmann::json& object, const char* key, const std::string& where, bool required);
// An unsigned number in [min, max] if present (`name` is how errors call it, e.g. "publish.dns.ttl").
Result<std::uint64_t> number_field(const nlohmann::json& object, const char* key, std::uint64_t min, std::uint64_t max,
                                   std::uint64_t fallback, const std::string& where, const std::string& name,
                                   const std::string& unit);

}  // namespace dcvkit::manifest_fields
