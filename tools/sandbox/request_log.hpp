// --log FILE: one line per request: time, method, path, outcome (status or "closed"), duration.
// Only the method and path are logged (never headers, query strings or bodies), and any long
// letter/digit run in the path is masked, so API keys and AuthKeys cannot end up in the log.
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "dcvkit/error.hpp"

namespace dcvkit::sandbox {

// Runs of 20 or more [0-9A-Za-z] (longer than any id the API uses) become "[redacted]".
std::string redact(std::string_view text);

class RequestLog {
 public:
  static Result<std::unique_ptr<RequestLog>> open(const std::string& path);  // appends
  explicit RequestLog(std::FILE* file) : file_(file) {}
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  void write(std::string_view method, std::string_view path, std::string_view outcome, double ms);

 private:
  std::FILE* file_;
  std::mutex mutex_;
};

}  // namespace dcvkit::sandbox
