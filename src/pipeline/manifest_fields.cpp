#include "pipeline/manifest_fields.hpp"

#include <filesystem>

#include "util/display.hpp"
#include "util/json_line.hpp"

namespace dcvkit::manifest_fields {

using nlohmann::json;

Error bad(const std::string& where, const std::string& what, std::string hint) {
  return make_error(ErrorKind::InvalidInput, "manifest.invalid", where + ": " + what, std::move(hint));
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

namespace {

template <class Keys>
Status only(const json& object, const Keys& allowed, const std::string& where, const std::string& context) {
  if (auto key = detail::unknown_key(object, allowed))
    return bad(where, "unknown key \"" + detail::printable(*key, 64) + "\"" + context, "allowed: " + detail::allowed_keys(allowed));
  return {};
}

}  // namespace

// Both forms: a line of a million-line manifest checks its keys against a braced list without
// building a vector; the "publish" object's keys come from the registry as a vector.
Status only_keys(const json& object, std::initializer_list<const char*> allowed, const std::string& where,
                 const std::string& context) {
  return only(object, allowed, where, context);
}

Status only_keys(const json& object, const std::vector<std::string>& allowed, const std::string& where,
                 const std::string& context) {
  return only(object, allowed, where, context);
}

Result<std::string> string_field(const json& object, const char* key, const std::string& where, bool required) {
  if (!object.contains(key)) {
    if (required) return bad(where, std::string("no \"") + key + "\"", std::string("add \"") + key + R"(": "...")");
    return std::string();
  }
  if (!object[key].is_string() || object[key].get<std::string>().empty())
    return bad(where, std::string("\"") + key + "\" must be a non-empty string", "");
  return object[key].get<std::string>();
}

Result<std::uint64_t> number_field(const json& object, const char* key, std::uint64_t min, std::uint64_t max,
                                   std::uint64_t fallback, const std::string& where, const std::string& name,
                                   const std::string& unit) {
  if (!object.contains(key)) return fallback;
  const json& v = object[key];
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() < min || v.get<std::uint64_t>() > max)
    return bad(where, "\"" + name + "\" must be " + std::to_string(min) + ".." + std::to_string(max) + unit, "");
  return v.get<std::uint64_t>();
}

}  // namespace dcvkit::manifest_fields
