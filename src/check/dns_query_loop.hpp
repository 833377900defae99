// One epoll loop over many c-ares channels (one per server), with a cap on queries in flight.
// Queries beyond the cap wait in a FIFO; answers are handed to their handlers from step(), never
// from inside c-ares, so a handler may send further queries without re-entering c-ares.
// Once the loop is warm, a query costs no allocation of its own (c-ares still makes its own):
// slots, answer buffers and the parsed message are reused, a query sent while there is room goes
// straight to c-ares, and a handler capturing at most two pointers' worth of trivially copyable
// data fits in std::function's own storage.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "check/ares_channel.hpp"
#include "check/dns_message.hpp"

namespace dcvkit::dns {

struct Reply {
  int status = 0;                    // ARES_SUCCESS, ARES_ETIMEOUT, ARES_ECONNREFUSED, ...
  const Message* message = nullptr;  // set when a parseable response arrived (any rcode); valid in the handler only
  std::string_view malformed;        // set when a response arrived that could not be read: why (handler only)
};
using ReplyHandler = std::function<void(const Reply&)>;

struct QueryCounters {
  std::size_t sent = 0;
  std::size_t max_in_flight_seen = 0;
  std::array<std::size_t, 7> sent_by_type{};  // A, NS, CNAME, SOA, TXT, AAAA, CAA
  std::map<std::string, std::size_t> by_type_text() const;  // "NS" -> count, for the types sent
};

class QueryLoop {
 public:
  struct Channel;

  QueryLoop(std::size_t max_in_flight, int timeout_ms);
  ~QueryLoop();
  QueryLoop(const QueryLoop&) = delete;
  QueryLoop& operator=(const QueryLoop&) = delete;

  // The channel for (host, port, rd, do), made on first use and kept: servers recur across names.
  // `dnssec_ok`: its queries set the DO bit, so signed answers come with their RRSIG and NSEC records.
  Result<Channel*> channel(const std::string& host, std::uint16_t port, bool recursion_desired, bool dnssec_ok = false);
  // "127.0.0.2:5300": the channel's server as observations name it.
  static const std::string& server_of(const Channel* channel);
  void send(Channel* channel, const std::string& name, RrType type, ReplyHandler handler);

  // Another source of answers on this loop (the validating resolver's descriptor): `ready` runs
  // when `fd` is readable, and the loop keeps waiting while `busy` says answers are due.
  void attach(int fd, std::function<void()> ready, std::function<bool()> busy);

  // Queued + in flight: the caller admits new work only while this is below the cap.
  std::size_t backlog() const { return queued_.size() + in_flight_; }
  bool idle() const { return in_flight_ == 0 && queued_.empty() && completed_count_ == 0 && !attached_busy(); }
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
  // A query in flight: what c-ares hands back to on_answer. Kept in a deque (stable addresses)
  // and reused through a free list.
  struct Slot {
    QueryLoop* loop = nullptr;
    Channel* channel = nullptr;
    ReplyHandler handler;
  };
  struct Completed {
    Slot* slot = nullptr;
    int status = 0;
    std::vector<unsigned char> bytes;  // its capacity is kept for the next answer
  };

  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable);
  static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  void issue(Channel* channel, const std::string& name, RrType type, ReplyHandler handler);
  void pump();
  void wait_and_process();
  void run_handlers();
  bool attached_busy() const { return attached_busy_ && attached_busy_(); }

  std::size_t max_in_flight_;
  int timeout_ms_;
  int epoll_fd_ = -1;
  std::size_t in_flight_ = 0;
  bool destroying_ = false;
  QueryCounters counters_;
  std::deque<Queued> queued_;
  std::deque<Slot> slots_;
  std::vector<Slot*> free_slots_;
  std::vector<Completed> completed_, running_;  // answers waiting for step(); the batch being handled
  std::size_t completed_count_ = 0;
  Message message_;  // the answer being handled, parsed into the same storage every time
  std::chrono::steady_clock::time_point next_sweep_{};
  std::unordered_map<ares_socket_t, Channel*> watches_;
  int attached_fd_ = -1;
  std::function<void()> attached_ready_;
  std::function<bool()> attached_busy_;
  std::vector<Channel*> channel_list_;
  std::map<std::string, std::unique_ptr<Channel>> channels_;
};

}  // namespace dcvkit::dns
