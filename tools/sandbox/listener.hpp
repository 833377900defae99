// The HTTP(S) listener: cpp-httplib bound to --listen (port 0: a free one), TLS with a certificate
// from the sandbox CA unless --http, every request handed to the ApiServer. start() returns only
// once the server accepts connections, so the ready line that follows it is true.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "api_server.hpp"
#include "ca.hpp"
#include "dcvkit/error.hpp"

namespace dcvkit::sandbox {

struct ListenerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  bool tls = true;
  std::size_t threads = 32;  // validations block a worker for up to the probes' timeouts
};

class Listener {
 public:
  static Result<std::unique_ptr<Listener>> start(ApiServer& api, const Ca& ca, const ListenerOptions& options);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const;  // "https://HOST:PORT/services/v2"
  // Stops accepting and waits up to `grace` for the requests in progress; false when they did not
  // finish in time (the worker thread is then left behind).
  bool stop(std::chrono::milliseconds grace);

 private:
  Listener() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::future<void> finished_;
  std::string host_;
  std::uint16_t port_ = 0;
  bool tls_ = true;
};

}  // namespace dcvkit::sandbox
