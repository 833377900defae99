#include "check/ares_channel.hpp"

#include <algorithm>
#include <cstring>

namespace dcvkit::dns {
namespace {

constexpr int kTries = 2;
constexpr int kReceiveBuffer = 1 << 20;  // a burst of answers must not overflow the default ~200 KiB

// c-ares 1.18 doubles the per-try timeout on each retry to the same server (T, 2T, ...), so the
// per-try value is chosen to make all tries together fit in the caller's budget.
int per_try_timeout_ms(int total_ms) {
  int sum_of_factors = 0;
  for (int i = 0; i < kTries; ++i) sum_of_factors += 1 << i;
  return std::max(1, total_ms / sum_of_factors);
}

}  // namespace

std::string server_text(const std::string& host, std::uint16_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<std::unique_ptr<AresChannel>> AresChannel::create(const AresChannelOptions& options) {
  std::unique_ptr<AresChannel> self(new AresChannel());
  if (int rc = ares_library_init(ARES_LIB_INIT_ALL); rc != ARES_SUCCESS)
    return make_error(ErrorKind::Internal, "dns.ares", std::string("c-ares init failed: ") + ares_strerror(rc));
  self->library_initialised_ = true;

  ares_options o;
  std::memset(&o, 0, sizeof o);
  // NOCHECKRESP: SERVFAIL/REFUSED are observations to report, not a reason to retry elsewhere.
  o.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH | ARES_FLAG_STAYOPEN |
            (options.recursion_desired ? 0 : ARES_FLAG_NORECURSE);
  o.timeout = per_try_timeout_ms(options.timeout_ms);
  o.tries = kTries;
  o.socket_receive_buffer_size = kReceiveBuffer;
  o.ednspsz = kEdnsPayload;
  o.nservers = 0;  // never the system's resolv.conf servers: only the one set below
  o.ndomains = 0;
  char lookups[] = "b";
  o.lookups = lookups;
  o.sock_state_cb = options.sock_state_cb;
  o.sock_state_cb_data = options.sock_state_data;
  const int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_RCVBUF | ARES_OPT_EDNSPSZ |
                   ARES_OPT_SERVERS | ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS |
                   (options.sock_state_cb ? ARES_OPT_SOCK_STATE_CB : 0);
  if (int rc = ares_init_options(&self->channel_, &o, mask); rc != ARES_SUCCESS)
    return make_error(ErrorKind::Internal, "dns.ares", std::string("c-ares channel failed: ") + ares_strerror(rc));

  const std::string csv = server_text(options.host, options.port);
  if (int rc = ares_set_servers_ports_csv(self->channel_, csv.c_str()); rc != ARES_SUCCESS)
    return make_error(ErrorKind::InvalidInput, "dns.bad_server",
                      "cannot use " + csv + " as a DNS server: " + ares_strerror(rc),
                      "give an IP address (and port), not a host name");
  return self;
}

AresChannel::~AresChannel() {
  if (channel_) ares_destroy(channel_);
  if (library_initialised_) ares_library_cleanup();
}

}  // namespace dcvkit::dns
