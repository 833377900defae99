// Test doubles for the CertCentral client: a timer that advances when slept on, and a transport
// answering from a handler while recording every request.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dcvkit/certcentral.hpp"

namespace dcvkit::test {

class FakeTimer final : public certcentral::Timer {
 public:
  TimePoint now() override { return now_; }
  void sleep_for(std::chrono::nanoseconds d) override {
    now_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
    slept_ += d;
    sleeps.push_back(d);
  }
  std::chrono::nanoseconds slept() const { return slept_; }
  double seconds_since_start() const { return std::chrono::duration<double>(now_ - TimePoint{}).count(); }
  std::vector<std::chrono::nanoseconds> sleeps;

 private:
  TimePoint now_{};
  std::chrono::nanoseconds slept_{0};
};

class FakeTransport final : public certcentral::Transport {
 public:
  using Handler = std::function<certcentral::HttpReply(const certcentral::HttpRequest&)>;
  explicit FakeTransport(Handler handler, std::vector<certcentral::HttpRequest>* log)
      : handler_(std::move(handler)), log_(log) {}
  certcentral::HttpReply send(const certcentral::HttpRequest& request) override {
    log_->push_back(request);
    return handler_(request);
  }

 private:
  Handler handler_;
  std::vector<certcentral::HttpRequest>* log_;
};

inline certcentral::HttpReply reply(long status, std::string body = {}, std::string retry_after = {}) {
  certcentral::HttpReply r;
  r.status = status;
  r.body = std::move(body);
  r.retry_after = std::move(retry_after);
  return r;
}

inline certcentral::HttpReply failure(certcentral::TransportFailure f, bool maybe_sent) {
  certcentral::HttpReply r;
  r.failure = f;
  r.maybe_sent = maybe_sent;
  r.error = "scripted failure";
  return r;
}

// A client over a FakeTransport with a fake timer and clock, no throttle, fixed "random" 0.5.
struct FakeApi {
  FakeTimer timer;
  FixedClock clock{1'800'000'000};
  std::vector<certcentral::HttpRequest> requests;
  std::unique_ptr<certcentral::Client> client;

  explicit FakeApi(FakeTransport::Handler handler, certcentral::RetryPolicy retry = {}, long timeout_ms = 90000) {
    certcentral::ClientOptions o;
    o.timeout_ms = timeout_ms;
    o.throttle = false;
    o.timer = &timer;
    o.clock = &clock;
    o.random = [] { return 0.5; };
    o.retry = retry;
    client = std::make_unique<certcentral::Client>(std::move(o),
                                                   std::make_unique<FakeTransport>(std::move(handler), &requests));
  }
  std::size_t count(const std::string& method, const std::string& path_prefix) const {
    std::size_t n = 0;
    for (const auto& r : requests) n += r.method == method && r.path.rfind(path_prefix, 0) == 0;
    return n;
  }
};

}  // namespace dcvkit::test
