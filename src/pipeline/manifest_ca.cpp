#include "pipeline/manifest_ca.hpp"

#include "dcvkit/acme.hpp"
#include "pipeline/manifest_fields.hpp"

namespace dcvkit::manifest_fields {

Status parse_ca(const nlohmann::json& ca, const std::string& base_dir, const std::string& where, AcmeCaSpec& out) {
  const char* example =
      R"(e.g. "ca": {"acme": {"directory": "letsencrypt", "account_key": "acme/account.key", "agree_tos": true}})";
  if (!ca.is_object() || !ca.contains("acme")) return bad(where, R"("ca" must be {"acme": {...}})", example);
  if (auto st = only_keys(ca, {"acme"}, where, " in \"ca\""); !st) return st;
  const auto& a = ca["acme"];
  if (!a.is_object()) return bad(where, R"("ca.acme" must be an object)", example);
  if (auto st = only_keys(a,
                          {"directory", "account_key", "eab_kid", "eab_hmac_key_file", "email", "ca_bundle",
                           "preferred_chain", "agree_tos"},
                          where, " in \"ca.acme\"");
      !st)
    return st;
  auto directory = string_field(a, "directory", where, true);
  if (!directory) return bad(where, R"("ca.acme" needs a "directory" (a URL or a preset like letsencrypt))", example);
  auto url = acme::resolve_directory(*directory);
  if (!url) return bad(where, url.error().message, url.error().hint);
  out.directory = *url;
  auto key = string_field(a, "account_key", where, true);
  if (!key) return bad(where, R"("ca.acme" needs an "account_key" file (generated 0600 when it does not exist))", example);
  out.account_key = resolve(base_dir, *key);
  for (const auto& [name, target, is_path] :
       {std::tuple{"eab_kid", &out.eab_kid, false}, std::tuple{"eab_hmac_key_file", &out.eab_hmac_key_file, true},
        std::tuple{"email", &out.email, false}, std::tuple{"ca_bundle", &out.ca_bundle, true},
        std::tuple{"preferred_chain", &out.preferred_chain, false}}) {
    auto value = string_field(a, name, where, false);
    if (!value) return value.error();
    *target = is_path ? resolve(base_dir, *value) : *value;
  }
  if (out.eab_kid.empty() != out.eab_hmac_key_file.empty())
    return bad(where, R"("eab_kid" and "eab_hmac_key_file" go together)",
               "give both (the key id and the file holding the HMAC key the CA issued), or neither");
  if (a.contains("agree_tos")) {
    if (!a["agree_tos"].is_boolean()) return bad(where, R"("ca.acme.agree_tos" must be true or false)", "");
    out.agree_tos = a["agree_tos"].get<bool>();
  }
  return {};
}

}  // namespace dcvkit::manifest_fields
