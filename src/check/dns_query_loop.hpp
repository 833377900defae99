// One poll() loop over many c-ares channels (one per server), with a cap on queries in flight.
// Queries beyond the cap wait in a FIFO; answers are handed to their handlers from step(), never
// from inside c-ares, so a handler may queue further queries without re-entering c-ares.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "check/ares_channel.hpp"
#include "check/dns_message.hpp"

namespace dcvkit::dns {

struct Reply {
  int status = 0;                      // ARES_SUCCESS, ARES_ETIMEOUT, ARES_ECONNREFUSED, ...
  std::optional<DnsMessage> message;   // set when a parseable response arrived (any rcode)
};
using ReplyHandler = std::function<void(const Reply&)>;

struct QueryCounters {
  std::size_t sent = 0;
  std::size_t max_in_flight_seen = 0;
  std::map<std::string, std::size_t> sent_by_type;  // "NS" -> count
};

class QueryLoop {
 public:
  struct Channel;

  QueryLoop(std::size_t max_in_flight, int timeout_ms);
  ~QueryLoop();
  QueryLoop(const QueryLoop&) = delete;
  QueryLoop& operator=(const QueryLoop&) = delete;

  // The channel for (host, port, rd), made on first use and kept: servers recur across names.
  Result<Channel*> channel(const std::string& host, std::uint16_t port, bool recursion_desired);
  void send(Channel* channel, std::string name, RrType type, ReplyHandler handler);

  // Queued + in flight: the caller admits new work only while this is below the cap.
  std::size_t backlog() const { return queued_.size() + in_flight_; }
  bool idle() const { return in_flight_ == 0 && queued_.empty() && completed_.empty(); }
  // Starts queued queries, waits for sockets or timeouts, runs the handlers of finished queries.
  void step();

  const QueryCounters& counters() const { return counters_; }
  std::size_t channel_count() const { return channels_.size(); }

 private:
  struct Queued {
    Channel* channel;
    std::string name;
    RrType type;
    ReplyHandler handler;
  };
  struct Completed {
    ReplyHandler handler;
    int status;
    std::vector<unsigned char> bytes;
  };
  struct Watch {
    Channel* channel;
    bool read, write;
  };
  struct InFlight;

  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable);
  static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  void pump();
  void wait_and_process();
  void run_handlers();

  std::size_t max_in_flight_;
  int timeout_ms_;
  std::size_t in_flight_ = 0;
  bool destroying_ = false;
  QueryCounters counters_;
  std::deque<Queued> queued_;
  std::deque<Completed> completed_;
  std::unordered_map<ares_socket_t, Watch> watches_;
  std::map<std::string, std::unique_ptr<Channel>> channels_;
};

}  // namespace dcvkit::dns
