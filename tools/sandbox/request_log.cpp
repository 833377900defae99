#include "request_log.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>

#include "dcvkit/clock.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit::sandbox {

std::string redact(std::string_view text) {
  constexpr std::size_t kLongRun = 20;
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i;
    while (j < text.size() && std::isalnum(static_cast<unsigned char>(text[j]))) ++j;
    if (j == i) {
      out += text[i++];
      continue;
    }
    if (j - i >= kLongRun)
      out += "[redacted]";
    else
      out.append(text.substr(i, j - i));
    i = j;
  }
  return out;
}

Result<std::unique_ptr<RequestLog>> RequestLog::open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "ae");
  if (f == nullptr)
    return make_error(ErrorKind::Io, "sandbox.log", "cannot open the log file " + path + ": " + std::strerror(errno));
  return std::make_unique<RequestLog>(f);
}

RequestLog::~RequestLog() { std::fclose(file_); }

void RequestLog::write(std::string_view method, std::string_view path, std::string_view outcome, double ms) {
  const std::string line = format_iso8601(system_clock().now()) + " " + redact(method) + " " + redact(path) + " " +
                           std::string(outcome) + " " + std::to_string(static_cast<long long>(ms)) + "ms\n";
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace dcvkit::sandbox
