#include "check/dns_query_loop.hpp"

#include <poll.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace dcvkit::dns {

struct QueryLoop::Channel {
  QueryLoop* loop = nullptr;
  std::unique_ptr<AresChannel> ares;
  std::size_t in_flight = 0;
};

// What c-ares hands back to on_answer: enough to find the loop and the handler again.
struct QueryLoop::InFlight {
  Channel* channel;
  ReplyHandler handler;
};

QueryLoop::QueryLoop(std::size_t max_in_flight, int timeout_ms)
    : max_in_flight_(std::max<std::size_t>(1, max_in_flight)), timeout_ms_(timeout_ms) {}

QueryLoop::~QueryLoop() {
  // ares_destroy calls back every pending query (ARES_EDESTRUCTION) and every socket; both
  // callbacks touch members, so the channels go first while everything else still exists.
  destroying_ = true;
  channels_.clear();
}

Result<QueryLoop::Channel*> QueryLoop::channel(const std::string& host, std::uint16_t port, bool recursion_desired) {
  const std::string key = server_text(host, port) + (recursion_desired ? "/rd" : "/nord");
  if (auto it = channels_.find(key); it != channels_.end()) return it->second.get();
  auto ch = std::make_unique<Channel>();
  ch->loop = this;
  AresChannelOptions o;
  o.host = host;
  o.port = port;
  o.recursion_desired = recursion_desired;
  o.timeout_ms = timeout_ms_;
  o.sock_state_cb = &QueryLoop::on_socket_state;
  o.sock_state_data = ch.get();
  auto ares = AresChannel::create(o);
  if (!ares) return ares.error();
  ch->ares = std::move(*ares);
  Channel* raw = ch.get();
  channels_.emplace(key, std::move(ch));
  return raw;
}

void QueryLoop::send(Channel* channel, std::string name, RrType type, ReplyHandler handler) {
  queued_.push_back(Queued{channel, std::move(name), type, std::move(handler)});
}

void QueryLoop::on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
  auto* ch = static_cast<Channel*>(data);
  auto& watches = ch->loop->watches_;
  if (!readable && !writable) watches.erase(fd);
  else watches[fd] = Watch{ch, readable != 0, writable != 0};
}

void QueryLoop::on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<InFlight> q(static_cast<InFlight*>(arg));
  QueryLoop* loop = q->channel->loop;
  --q->channel->in_flight;
  --loop->in_flight_;
  if (loop->destroying_) return;
  Completed c{std::move(q->handler), status, {}};
  if (abuf && alen > 0) c.bytes.assign(abuf, abuf + alen);
  loop->completed_.push_back(std::move(c));
}

void QueryLoop::pump() {
  while (!queued_.empty() && in_flight_ < max_in_flight_) {
    Queued q = std::move(queued_.front());
    queued_.pop_front();
    ++in_flight_;
    ++q.channel->in_flight;
    counters_.max_in_flight_seen = std::max(counters_.max_in_flight_seen, in_flight_);
    ++counters_.sent;
    ++counters_.sent_by_type[type_text(q.type)];
    // May call on_answer synchronously (e.g. no socket): that only appends to completed_.
    ares_query(q.channel->ares->get(), q.name.c_str(), 1 /* IN */, static_cast<int>(q.type), &QueryLoop::on_answer,
               new InFlight{q.channel, std::move(q.handler)});
  }
}

void QueryLoop::wait_and_process() {
  std::vector<pollfd> fds;
  std::vector<Channel*> owners;
  fds.reserve(watches_.size());
  owners.reserve(watches_.size());
  for (const auto& [fd, w] : watches_) {
    fds.push_back(pollfd{fd, static_cast<short>((w.read ? POLLIN : 0) | (w.write ? POLLOUT : 0)), 0});
    owners.push_back(w.channel);
  }
  std::vector<Channel*> busy;
  long wait_ms = LONG_MAX;
  for (const auto& [key, ch] : channels_) {
    if (ch->in_flight == 0) continue;
    busy.push_back(ch.get());
    timeval max{1, 0}, tv{};
    if (const timeval* t = ares_timeout(ch->ares->get(), &max, &tv))
      // Rounded up: waking before the deadline would only spin.
      wait_ms = std::min(wait_ms, static_cast<long>(t->tv_sec) * 1000 + (t->tv_usec + 999) / 1000);
  }
  if (wait_ms == LONG_MAX) wait_ms = 1000;
  const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(wait_ms));
  if (ready < 0 && errno != EINTR) return;
  for (std::size_t i = 0; ready > 0 && i < fds.size(); ++i) {
    if (!fds[i].revents) continue;
    // A socket c-ares closed during this round may have been reused by another channel: the
    // stale owner then simply does not recognise the fd, and the new one is polled next round.
    const bool in = fds[i].revents & (POLLIN | POLLERR | POLLHUP);
    const bool out = fds[i].revents & POLLOUT;
    ares_process_fd(owners[i]->ares->get(), in ? fds[i].fd : ARES_SOCKET_BAD, out ? fds[i].fd : ARES_SOCKET_BAD);
  }
  // Expires the queries whose time is up (ares_process_fd does so for its channel).
  for (Channel* ch : busy)
    if (ch->in_flight > 0) ares_process_fd(ch->ares->get(), ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

void QueryLoop::run_handlers() {
  // Handlers only queue (send); they never add to completed_, so a moved-out batch is complete.
  std::deque<Completed> batch;
  batch.swap(completed_);
  for (auto& c : batch) {
    Reply r;
    r.status = c.status;
    r.message = parse_dns_message(c.bytes.data(), c.bytes.size());
    c.handler(r);
    c.handler = nullptr;  // releases what the handler held (per-name state) right away
  }
}

void QueryLoop::step() {
  pump();
  if (completed_.empty() && in_flight_ > 0) wait_and_process();
  run_handlers();
}

}  // namespace dcvkit::dns
