#include "check/dns_query_loop.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace dcvkit::dns {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How often channels without socket activity are swept for timed-out queries (c-ares does so for
// a channel on every ares_process_fd call). Asking c-ares for its next deadline instead walks
// every query in flight, on every step.
constexpr auto kSweep = std::chrono::milliseconds(20);
constexpr int kMaxEvents = 64;

constexpr std::array<RrType, 7> kTypes = {RrType::A,   RrType::NS,   RrType::CNAME, RrType::SOA,
                                          RrType::TXT, RrType::AAAA, RrType::CAA};

std::size_t type_index(RrType type) {
  return static_cast<std::size_t>(std::find(kTypes.begin(), kTypes.end(), type) - kTypes.begin());
}

}  // namespace

struct QueryLoop::Channel {
  QueryLoop* loop = nullptr;
  std::unique_ptr<AresChannel> ares;
  std::string server;  // "127.0.0.2:5300"
  std::size_t in_flight = 0;
  bool recursion_desired = true;
  bool dnssec_ok = false;
};

std::map<std::string, std::size_t> QueryCounters::by_type_text() const {
  std::map<std::string, std::size_t> out;
  for (std::size_t i = 0; i < kTypes.size(); ++i)
    if (sent_by_type[i] != 0) out[type_text(kTypes[i])] = sent_by_type[i];
  return out;
}

QueryLoop::QueryLoop(std::size_t max_in_flight, int timeout_ms)
    : max_in_flight_(std::max<std::size_t>(1, max_in_flight)),
      timeout_ms_(timeout_ms),
      epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {}

QueryLoop::~QueryLoop() {
  // ares_destroy calls back every pending query (ARES_EDESTRUCTION) and every socket; both
  // callbacks touch members, so the channels go first while everything else still exists.
  destroying_ = true;
  channels_.clear();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

Result<QueryLoop::Channel*> QueryLoop::channel(const std::string& host, std::uint16_t port, bool recursion_desired,
                                               bool dnssec_ok) {
  std::string server = server_text(host, port);
  const std::string key = server + (recursion_desired ? "/rd" : "/nord") + (dnssec_ok ? "/do" : "");
  if (auto it = channels_.find(key); it != channels_.end()) return it->second.get();
  if (epoll_fd_ < 0) return make_error(ErrorKind::Internal, "dns.epoll", "cannot create an epoll instance");
  auto ch = std::make_unique<Channel>();
  ch->loop = this;
  ch->server = std::move(server);
  ch->recursion_desired = recursion_desired;
  ch->dnssec_ok = dnssec_ok;
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
  channel_list_.push_back(raw);
  return raw;
}

const std::string& QueryLoop::server_of(const Channel* channel) { return channel->server; }

void QueryLoop::send(Channel* channel, const std::string& name, RrType type, ReplyHandler handler) {
  if (queued_.empty() && in_flight_ < max_in_flight_) return issue(channel, name, type, std::move(handler));
  queued_.push_back(Queued{channel, name, type, std::move(handler)});
}

void QueryLoop::on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
  auto* ch = static_cast<Channel*>(data);
  QueryLoop* loop = ch->loop;
  if (!readable && !writable) {
    if (loop->watches_.erase(fd) != 0) ::epoll_ctl(loop->epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    return;
  }
  epoll_event ev{};
  ev.events = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u);
  ev.data.fd = fd;
  const auto [it, added] = loop->watches_.insert_or_assign(fd, ch);
  (void)it;
  ::epoll_ctl(loop->epoll_fd_, added ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
}

void QueryLoop::on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* slot = static_cast<Slot*>(arg);
  QueryLoop* loop = slot->loop;
  --slot->channel->in_flight;
  --loop->in_flight_;
  if (loop->destroying_) {
    slot->handler = nullptr;
    return;
  }
  if (loop->completed_count_ == loop->completed_.size()) loop->completed_.emplace_back();
  Completed& c = loop->completed_[loop->completed_count_++];
  c.slot = slot;
  c.status = status;
  if (abuf && alen > 0) c.bytes.assign(abuf, abuf + alen);
  else c.bytes.clear();
}

void QueryLoop::issue(Channel* channel, const std::string& name, RrType type, ReplyHandler handler) {
  Slot* slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = &slots_.emplace_back();
    slot->loop = this;
  }
  slot->channel = channel;
  slot->handler = std::move(handler);
  ++in_flight_;
  ++channel->in_flight;
  counters_.max_in_flight_seen = std::max(counters_.max_in_flight_seen, in_flight_);
  ++counters_.sent;
  if (const std::size_t i = type_index(type); i < kTypes.size()) ++counters_.sent_by_type[i];
  // May call on_answer synchronously (e.g. no socket): that only records the completion.
  if (!channel->dnssec_ok) {
    ares_query(channel->ares->get(), name.c_str(), 1 /* IN */, static_cast<int>(type), &QueryLoop::on_answer, slot);
    return;
  }
  // c-ares 1.18 has no switch for the DO bit: the query is built as ares_query would, then the OPT
  // record's flags (its TTL's last two bytes, the end of the message but for RDLENGTH) get DO.
  unsigned char* query = nullptr;
  int length = 0;
  const int rc = ares_create_query(name.c_str(), 1 /* IN */, static_cast<int>(type), 0, channel->recursion_desired ? 1 : 0,
                                   &query, &length, kEdnsPayload);
  if (rc != ARES_SUCCESS || length < 23) {
    if (query) ares_free_string(query);
    return on_answer(slot, rc != ARES_SUCCESS ? rc : ARES_EBADQUERY, 0, nullptr, 0);
  }
  query[length - 4] |= 0x80;
  ares_send(channel->ares->get(), query, length, &QueryLoop::on_answer, slot);
  ares_free_string(query);
}

void QueryLoop::pump() {
  while (!queued_.empty() && in_flight_ < max_in_flight_) {
    Queued q = std::move(queued_.front());
    queued_.pop_front();
    issue(q.channel, q.name, q.type, std::move(q.handler));
  }
}

void QueryLoop::wait_and_process() {
  const auto now = SteadyClock::now();
  // Rounded up: waking before the sweep is due would only spin.
  const auto wait = next_sweep_ <= now ? std::chrono::milliseconds(0)
                                       : std::chrono::ceil<std::chrono::milliseconds>(next_sweep_ - now);
  epoll_event events[kMaxEvents];
  const int ready = ::epoll_wait(epoll_fd_, events, kMaxEvents, static_cast<int>(wait.count()));
  for (int i = 0; i < ready; ++i) {
    const int fd = events[i].data.fd;
    if (fd == attached_fd_) {
      attached_ready_();
      continue;
    }
    // A socket c-ares closed during this round may have been reused since: whoever owns the fd
    // now is asked, and simply finds nothing to read.
    const auto it = watches_.find(fd);
    if (it == watches_.end()) continue;
    const bool in = events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP);
    const bool out = events[i].events & EPOLLOUT;
    ares_process_fd(it->second->ares->get(), in ? fd : ARES_SOCKET_BAD, out ? fd : ARES_SOCKET_BAD);
  }
  if (SteadyClock::now() < next_sweep_) return;
  // Expires the queries whose time is up (ares_process_fd does so for its channel).
  for (Channel* ch : channel_list_)
    if (ch->in_flight > 0) ares_process_fd(ch->ares->get(), ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  next_sweep_ = SteadyClock::now() + kSweep;
}

void QueryLoop::run_handlers() {
  // Handlers may send, and a send may complete at once (on_answer from inside ares_query): such
  // completions land in the other buffer and wait for the next step.
  std::swap(completed_, running_);
  const std::size_t n = completed_count_;
  completed_count_ = 0;
  for (std::size_t i = 0; i < n; ++i) {
    Completed& c = running_[i];
    ReplyHandler handler = std::move(c.slot->handler);
    c.slot->handler = nullptr;
    free_slots_.push_back(c.slot);
    Reply r;
    r.status = c.status;
    if (message_.parse(c.bytes.data(), c.bytes.size())) r.message = &message_;
    else if (!c.bytes.empty()) r.malformed = message_.error();
    handler(r);
  }
}

void QueryLoop::attach(int fd, std::function<void()> ready, std::function<bool()> busy) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  attached_fd_ = fd;
  attached_ready_ = std::move(ready);
  attached_busy_ = std::move(busy);
}

void QueryLoop::step() {
  pump();
  if (completed_count_ == 0 && (in_flight_ > 0 || attached_busy())) wait_and_process();
  run_handlers();
}

}  // namespace dcvkit::dns
