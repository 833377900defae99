// /account/auth-key: create (once), show, delete. Deleting voids every token made with the key.
#include "api.hpp"
#include "crypto_util.hpp"

namespace dcvkit::sandbox {
namespace {

constexpr std::size_t kAuthKeyLength = 32;

Reply auth_key_json(const AuthKeyRecord& record) {
  return json_reply(200, {{"auth_key_id", record.id}, {"auth_key", record.key}});
}

ApiError no_auth_key() { return ApiError(404, "not_found|auth_key", "this account has no AuthKey"); }

}  // namespace

void add_auth_key_routes(Router& router) {
  router.add("POST", "/account/auth-key", [](Sandbox& sb, const Call& call) {
    auto created = sb.store.create_auth_key(call.account, random_base36(kAuthKeyLength));
    if (!created)
      throw ApiError(400, "auth_key_exists_for_account",
                     "this account already has an AuthKey: use GET /account/auth-key, or DELETE it first");
    return auth_key_json(*created);
  });
  router.add("GET", "/account/auth-key", [](Sandbox& sb, const Call& call) {
    auto key = sb.store.auth_key(call.account);
    if (!key) throw no_auth_key();
    return auth_key_json(*key);
  });
  router.add("DELETE", "/account/auth-key", [](Sandbox& sb, const Call& call) {
    if (!sb.store.delete_auth_key(call.account)) throw no_auth_key();
    return no_content();
  });
}

}  // namespace dcvkit::sandbox
