#include "api.hpp"

#include <charconv>

namespace dcvkit::sandbox {

Reply json_reply(int status, const nlohmann::json& body) {
  Reply r;
  r.status = status;
  r.body = body.dump();
  return r;
}

Reply error_reply(int status, const std::string& code, const std::string& message) {
  return json_reply(status, {{"errors", nlohmann::json::array({{{"code", code}, {"message", message}}})}});
}

Reply no_content() {
  Reply r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

nlohmann::json Call::json_body() const {
  auto j = nlohmann::json::parse(body, nullptr, false);
  // The CertCentral error reference: a malformed body is 400 bad_request_format.
  if (j.is_discarded()) throw ApiError(400, "bad_request_format", "the request body is not valid JSON");
  if (!j.is_object()) throw ApiError(400, "bad_request_format", "the request body must be a JSON object");
  return j;
}

Id Call::id_arg(std::size_t i, const std::string& what) const {
  const std::string& text = args.at(i);
  Id id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
    throw ApiError(404, "not_found|" + what, "no " + what + " " + text);
  return id;
}

void Router::add(std::string method, const std::string& pattern, Handler handler) {
  routes_.push_back(Route{std::move(method), std::regex(pattern), std::move(handler)});
}

std::optional<Router::Match> Router::match(const std::string& method, const std::string& path) const {
  for (const auto& route : routes_) {
    std::smatch m;
    if (route.method != method || !std::regex_match(path, m, route.pattern)) continue;
    Match found{&route.handler, {}};
    for (std::size_t i = 1; i < m.size(); ++i) found.args.push_back(m[i].str());
    return found;
  }
  return std::nullopt;
}

Router api_routes() {
  Router router;
  add_auth_key_routes(router);
  add_product_routes(router);
  add_order_routes(router);
  add_certificate_routes(router);
  add_lifecycle_routes(router);
  return router;
}

}  // namespace dcvkit::sandbox
