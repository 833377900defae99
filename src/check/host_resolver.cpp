#include "check/host_resolver.hpp"

#include <algorithm>

#include "check/dns_message.hpp"

namespace dcvkit::dns {

Result<std::unique_ptr<HostResolver>> HostResolver::create(const HostPort& resolver, int timeout_ms) {
  AresChannelOptions o;
  o.host = resolver.host;
  o.port = resolver.port;
  o.timeout_ms = timeout_ms;
  auto channel = AresChannel::create(o);
  if (!channel) return channel.error();
  return std::unique_ptr<HostResolver>(new HostResolver(std::move(*channel), server_text(resolver.host, resolver.port)));
}

HostResolver::~HostResolver() {
  destroying_ = true;
  channel_.reset();  // c-ares calls back every pending query (ARES_EDESTRUCTION) before it goes
}

void HostResolver::resolve(const std::string& host, std::function<void(const HostAddresses&)> done) {
  auto& slot = lookups_[host];
  if (slot && slot->waiting.empty()) return done(slot->result);  // answered before
  if (slot) return slot->waiting.push_back(std::move(done));     // asked, not yet answered
  slot = std::make_unique<Lookup>();
  slot->owner = this;
  slot->host = host;
  slot->waiting.push_back(std::move(done));
  ask(*slot, static_cast<int>(RrType::A));
}

void HostResolver::ask(Lookup& lookup, int type) {
  ++in_flight_;
  ares_query(channel_->get(), lookup.host.c_str(), 1 /* IN */, type, &HostResolver::on_answer, &lookup);
}

// Only records the answer: callbacks run from process(), outside c-ares.
void HostResolver::on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* lookup = static_cast<Lookup*>(arg);
  HostResolver* self = lookup->owner;
  --self->in_flight_;
  if (self->destroying_) return;
  Completion c{lookup, status, {}};
  if (abuf && alen > 0) c.bytes.assign(abuf, abuf + alen);
  self->completed_.push_back(std::move(c));
}

int HostResolver::prepare(std::vector<curl_waitfd>& fds, int longest_ms) {
  if (!completed_.empty()) return 0;
  if (in_flight_ == 0) return longest_ms;
  ares_socket_t socks[ARES_GETSOCK_MAXNUM];
  const int mask = ares_getsock(channel_->get(), socks, ARES_GETSOCK_MAXNUM);
  for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
    short events = 0;
    if (ARES_GETSOCK_READABLE(mask, i)) events = static_cast<short>(events | CURL_WAIT_POLLIN);
    if (ARES_GETSOCK_WRITABLE(mask, i)) events = static_cast<short>(events | CURL_WAIT_POLLOUT);
    if (events != 0) fds.push_back(curl_waitfd{socks[i], events, 0});
  }
  timeval cap{longest_ms / 1000, static_cast<suseconds_t>(longest_ms % 1000) * 1000};
  timeval left{};
  const timeval* t = ares_timeout(channel_->get(), &cap, &left);
  // Rounded up: waking before a timeout is due would only spin.
  return static_cast<int>(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
}

void HostResolver::process(const std::vector<curl_waitfd>& fds) {
  if (in_flight_ > 0) {
    for (const auto& f : fds) {
      const bool in = (f.revents & CURL_WAIT_POLLIN) != 0;
      const bool out = (f.revents & CURL_WAIT_POLLOUT) != 0;
      if (in || out) ares_process_fd(channel_->get(), in ? f.fd : ARES_SOCKET_BAD, out ? f.fd : ARES_SOCKET_BAD);
    }
    ares_process_fd(channel_->get(), ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // expires what is due
  }
  while (!completed_.empty()) {
    Completion c = std::move(completed_.front());
    completed_.pop_front();
    handle(c);
  }
}

void HostResolver::handle(Completion& c) {
  Lookup& lookup = *c.lookup;
  HostAddresses& r = lookup.result;
  Message m;
  // c-ares reports NODATA and NXDOMAIN as failures (ARES_ENODATA, ARES_ENOTFOUND) but still hands
  // over the answer, whose rcode and records say which it was.
  const bool parsed = !c.bytes.empty() && m.parse(c.bytes.data(), c.bytes.size());
  const std::string asked = lookup.host + (lookup.asked_aaaa ? " AAAA" : " A");
  if (!parsed) {
    r.error_code = "http.no_address";
    r.error_detail = c.status == ARES_ETIMEOUT ? "the resolver " + server_ + " did not answer for " + asked
                                               : "no usable answer from " + server_ + " for " + asked + " (" +
                                                     ares_strerror(c.status) + ")";
  } else if (!lookup.asked_aaaa) {
    for (const auto& rec : m.records())
      if (rec.type == RrType::A && rec.section == Section::Answer) r.ipv4.push_back(m.address(rec));
    if (r.ipv4.empty() && m.rcode() == 0) {
      lookup.asked_aaaa = true;  // only to say why: an IPv6-only name is a common, fixable case
      return ask(lookup, static_cast<int>(RrType::AAAA));
    }
    if (r.ipv4.empty()) {
      r.error_code = "http.no_address";
      r.error_detail = server_ + " answered " + rcode_text(m.rcode()) + " for " + asked;
    }
  } else {
    const bool has_aaaa = m.rcode() == 0 && std::any_of(m.records().begin(), m.records().end(), [](const RecordRef& rec) {
                            return rec.type == RrType::AAAA && rec.section == Section::Answer;
                          });
    r.error_code = has_aaaa ? "http.ipv6_only" : "http.no_address";
    r.error_detail = has_aaaa ? lookup.host + " has AAAA records but no A record (resolver " + server_ +
                                    "): the CA connects over IPv4 only"
                              : lookup.host + " has no A record (resolver " + server_ + ")";
  }
  auto waiting = std::move(lookup.waiting);
  lookup.waiting.clear();
  for (auto& done : waiting) done(r);
}

}  // namespace dcvkit::dns
