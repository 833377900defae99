// Errors carry a stable machine code, a message (what is wrong, where) and a hint (how to fix it).
// The kind decides the CLI exit code; codes are the contract scripts match on.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace dcvkit {

enum class ErrorKind {
  Usage,             // the call itself is wrong (flags, missing arguments)
  InvalidInput,      // a CSR, name, timestamp or key that cannot be used
  Io,                // a file cannot be read or written
  TokenMalformed,    // not a request token at all
  TokenMismatch,     // well-formed, but not made from this CSR + AuthKey
  TokenExpired,      // older than the 30-day window
  TokenNotYetValid,  // timestamp in the future
  Internal,          // a library (OpenSSL, ...) failed where it should not
  CheckFailed,       // a pre-check found names the CA would not validate
  ApiRejected,       // the CertCentral API refused the request (4xx)
  ApiAuth,           // no or wrong API key, or no permission (401/403)
  RateLimited,       // 429 request_limit_exceeded even after backing off
  Network,           // connection, TLS, timeout or 5xx, even after retries
  NotIssued,         // the order exists but has no certificate (yet)
  CertVerify,        // the certificate returned failed verification: nothing written
  DeployFailed,      // the certificate is in place, but its deploy hook failed
};

struct Error {
  ErrorKind kind = ErrorKind::Internal;
  std::string code;
  std::string message;
  std::string hint;
};

inline Error make_error(ErrorKind kind, std::string code, std::string message, std::string hint = {}) {
  return Error{kind, std::move(code), std::move(message), std::move(hint)};
}

// A value or an Error. No exceptions cross the library boundary.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}       // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace dcvkit
