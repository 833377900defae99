// Host names to IPv4 addresses for the HTTP probe, through the recursive resolver the DNS probe
// asks (--resolver): the CA's file client resolves through its own DNS client, A records only
// (CustomDnsResolver.java), never through the host's stub resolver or /etc/hosts. Answers are
// cached for the probe's lifetime (one batch). Driven from the probe's libcurl event loop.
#pragma once

#include <curl/curl.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "check/ares_channel.hpp"
#include "dcvkit/net.hpp"

namespace dcvkit::dns {

struct HostAddresses {
  std::vector<std::string> ipv4;  // A records, in answer order (CNAMEs followed by the resolver)
  // When ipv4 is empty: "http.no_address" (NXDOMAIN, no A, SERVFAIL, timeout) or "http.ipv6_only".
  std::string error_code;
  std::string error_detail;
};

class HostResolver {
 public:
  static Result<std::unique_ptr<HostResolver>> create(const HostPort& resolver, int timeout_ms);
  HostResolver(const HostResolver&) = delete;
  HostResolver& operator=(const HostResolver&) = delete;
  ~HostResolver();

  // `done` runs from process() (never from inside resolve), or at once for a cached answer.
  void resolve(const std::string& host, std::function<void(const HostAddresses&)> done);
  // Lookups in flight: the event loop must keep polling.
  bool busy() const { return in_flight_ > 0 || !completed_.empty(); }
  // The sockets to wait on, appended to `fds`, and the longest wait (ms) before process() is due.
  int prepare(std::vector<curl_waitfd>& fds, int longest_ms);
  // After the wait: reads what arrived (`fds` as returned by the poll) and runs finished callbacks.
  void process(const std::vector<curl_waitfd>& fds);

 private:
  struct Lookup {
    HostResolver* owner = nullptr;
    std::string host;
    HostAddresses result;
    bool asked_aaaa = false;
    std::vector<std::function<void(const HostAddresses&)>> waiting;
  };
  struct Completion {
    Lookup* lookup;
    int status;
    std::vector<unsigned char> bytes;
  };
  explicit HostResolver(std::unique_ptr<AresChannel> channel, std::string server)
      : channel_(std::move(channel)), server_(std::move(server)) {}
  void ask(Lookup& lookup, int type);
  static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  void handle(Completion& c);

  std::unique_ptr<AresChannel> channel_;
  std::string server_;  // "127.0.0.1:53", for messages
  std::unordered_map<std::string, std::unique_ptr<Lookup>> lookups_;  // by host: the cache
  std::deque<Completion> completed_;
  std::size_t in_flight_ = 0;
  bool destroying_ = false;
};

}  // namespace dcvkit::dns
