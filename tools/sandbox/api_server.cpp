#include "api_server.hpp"

#include <algorithm>
#include <chrono>

#include "connection_abort.hpp"

namespace dcvkit::sandbox {
namespace {

using SteadyClock = std::chrono::steady_clock;

Reply not_found() { return error_reply(404, "not_found", "no such API call"); }

Reply fault_status_reply(const FaultAction& fault) {
  Reply r = error_reply(fault.status, "sandbox_fault",
                        "fault plan rule " + std::to_string(fault.rule + 1) + ": status " + std::to_string(fault.status));
  if (fault.status == 429) r.headers.emplace("Retry-After", "1");
  return r;
}

std::string default_message(int status) {
  switch (status) {
    case 400: return "the request could not be parsed";
    case 413: return "the request body is too large";
    case 414: return "the request URI is too long";
    default: return "HTTP error " + std::to_string(status);
  }
}

}  // namespace

const Id* ApiServer::account_of(const httplib::Request& request) const {
  auto it = parts_.accounts.find(request.get_header_value("X-DC-DEVKEY"));
  return it == parts_.accounts.end() ? nullptr : &it->second;
}

Reply ApiServer::dispatch(const httplib::Request& request, const std::string& body, const std::string& method,
                          const std::string& path, const std::string& extra_leaf_name) {
  const Id* account = account_of(request);
  if (account == nullptr) return error_reply(401, "invalid_api_key", "missing or unknown X-DC-DEVKEY");
  std::chrono::milliseconds wait{0};
  if (parts_.rate_limiter && !parts_.rate_limiter->admit(*account, RateLimiter::Clock::now(), &wait)) {
    ++sandbox_.rate_limited;
    Reply r = error_reply(429, "request_limit_exceeded", "too many requests for this API key: slow down");
    // Whole seconds, rounded up: a client that waits this long is admitted.
    r.headers.emplace("Retry-After", std::to_string(std::max<long long>(1, (wait.count() + 999) / 1000)));
    return r;
  }
  auto route = router_.match(method, path);
  if (!route) return not_found();
  try {
    return (*route->handler)(sandbox_, Call{request, body, *account, std::move(route->args), extra_leaf_name});
  } catch (const ApiError& e) {
    return error_reply(e.status, e.code, e.what());
  } catch (const std::exception& e) {
    return error_reply(500, "internal_error", std::string("the sandbox failed: ") + e.what());
  } catch (...) {
    return error_reply(500, "internal_error", "the sandbox failed");
  }
}

ApiServer::Outcome ApiServer::process(const httplib::Request& request, const std::string& body, const std::string& method,
                                     const std::string& path) {
  const std::string_view prefix = kApiPrefix;
  if (!path.starts_with(prefix)) {
    ++sandbox_.requests;
    return {not_found()};
  }
  const std::string sub = path.substr(prefix.size());
  if (method == "GET" && sub == "/sandbox/stats")
    return {account_of(request) ? stats_reply(sandbox_) : error_reply(401, "invalid_api_key", "missing or unknown X-DC-DEVKEY")};
  ++sandbox_.requests;
  auto fault = parts_.faults ? parts_.faults->next(method, sub) : std::nullopt;
  if (fault) {
    switch (fault->kind) {
      case FaultKind::Status:
        return {fault_status_reply(*fault)};
      case FaultKind::CloseBefore:
        return {{}, true};
      case FaultKind::Delay:
        sandbox_.stop.sleep_for(std::chrono::milliseconds(fault->ms));
        break;
      case FaultKind::CloseAfterStore:
      case FaultKind::ExtraName:
        break;
    }
  }
  const bool extra_name = fault && fault->kind == FaultKind::ExtraName;
  Outcome outcome{dispatch(request, body, method, sub, extra_name ? fault->name : std::string())};
  outcome.drop = fault && fault->kind == FaultKind::CloseAfterStore;
  return outcome;
}

void ApiServer::handle(const httplib::Request& request, const std::string& body, httplib::Response& response) {
  const auto start = SteadyClock::now();
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  Outcome outcome;
  try {
    outcome = process(request, body, method, request.path);
  } catch (const std::exception& e) {
    outcome = {error_reply(500, "internal_error", std::string("the sandbox failed: ") + e.what())};
  }
  std::string logged = std::to_string(outcome.reply.status);
  if (outcome.drop) {
    logged = abort_connection(local_port_, request.remote_addr, request.remote_port) ? "closed" : "close-failed";
    outcome.reply = error_reply(500, "sandbox_fault", "connection should have been closed");
  }
  response.status = outcome.reply.status;
  for (const auto& [k, v] : outcome.reply.headers) response.set_header(k, v);
  if (!outcome.reply.content_type.empty()) response.set_content(outcome.reply.body, outcome.reply.content_type.c_str());
  if (parts_.log) {
    const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
    parts_.log->write(request.method, request.path, logged, ms);
  }
}

void ApiServer::fill_error(httplib::Response& response) const {
  if (!response.body.empty()) return;
  const Reply r = response.status == 404 ? not_found()
                                         : error_reply(response.status, response.status == 400 ? "bad_request" : "http_error",
                                                       default_message(response.status));
  response.set_content(r.body, r.content_type.c_str());
}

}  // namespace dcvkit::sandbox
