// The API's building blocks: errors thrown by handlers (turned into the CertCentral envelope),
// replies, the call a handler gets, and the route table each api_*.cpp file adds to.
#pragma once

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "sandbox.hpp"

namespace dcvkit::sandbox {

// {"errors":[{"code","message"}]} with this status.
struct ApiError : std::runtime_error {
  ApiError(int http_status, std::string error_code, const std::string& message)
      : std::runtime_error(message), status(http_status), code(std::move(error_code)) {}
  int status;
  std::string code;
};

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  httplib::Headers headers;
};

Reply json_reply(int status, const nlohmann::json& body);
Reply error_reply(int status, const std::string& code, const std::string& message);
Reply no_content();

struct Call {
  const httplib::Request& request;
  const std::string& body;
  Id account = 0;
  std::vector<std::string> args;  // the route's captures
  std::string extra_leaf_name;    // fault plan "extra_name": a leaf signed for this call also carries it

  // The body as a JSON object; 400 invalid_json otherwise.
  nlohmann::json json_body() const;
  // Capture `i` as an id; 404 not_found|<what> when it is not one.
  Id id_arg(std::size_t i, const std::string& what) const;
};

using Handler = std::function<Reply(Sandbox&, const Call&)>;

class Router {
 public:
  // `pattern` is a regex for the whole path after /services/v2.
  void add(std::string method, const std::string& pattern, Handler handler);
  struct Match {
    const Handler* handler;
    std::vector<std::string> args;
  };
  std::optional<Match> match(const std::string& method, const std::string& path) const;

 private:
  struct Route {
    std::string method;
    std::regex pattern;
    Handler handler;
  };
  std::vector<Route> routes_;
};

void add_auth_key_routes(Router& router);
void add_product_routes(Router& router);
void add_order_routes(Router& router);
void add_certificate_routes(Router& router);
void add_lifecycle_routes(Router& router);
Router api_routes();  // all of the above

// GET /sandbox/stats (not routed: not counted, not rate-limited, not faulted).
Reply stats_reply(Sandbox& sandbox);

}  // namespace dcvkit::sandbox
