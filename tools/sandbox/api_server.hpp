// One request's way through the sandbox: count it, apply the fault plan, authenticate the API
// key, apply the rate limits, route, run the handler (any exception becomes a 500 envelope),
// answer or drop the connection, and log it. Every request under any method comes in here.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "api.hpp"
#include "faults.hpp"
#include "rate_limit.hpp"
#include "request_log.hpp"

namespace dcvkit::sandbox {

inline constexpr const char* kApiPrefix = "/services/v2";

struct ApiServerParts {
  std::unordered_map<std::string, Id> accounts;  // API key -> account
  std::unique_ptr<FaultPlan> faults;             // may be null
  std::unique_ptr<RateLimiter> rate_limiter;     // null: --no-rate-limits
  std::unique_ptr<RequestLog> log;               // null: no --log
};

class ApiServer {
 public:
  ApiServer(Sandbox& sandbox, ApiServerParts parts) : sandbox_(sandbox), parts_(std::move(parts)), router_(api_routes()) {}
  void set_local_port(std::uint16_t port) { local_port_ = port; }

  void handle(const httplib::Request& request, const std::string& body, httplib::Response& response);
  // For answers httplib makes itself (a request it could not parse): the envelope.
  void fill_error(httplib::Response& response) const;

 private:
  struct Outcome {
    Reply reply;
    bool drop = false;  // close the connection instead of answering
  };
  Outcome process(const httplib::Request& request, const std::string& body, const std::string& method, const std::string& path);
  Reply dispatch(const httplib::Request& request, const std::string& body, const std::string& method, const std::string& path,
                 const std::string& extra_leaf_name);
  const Id* account_of(const httplib::Request& request) const;

  Sandbox& sandbox_;
  ApiServerParts parts_;
  Router router_;
  std::uint16_t local_port_ = 0;
};

}  // namespace dcvkit::sandbox
