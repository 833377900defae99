#include "check/dnssec.hpp"

#include <ares.h>
#include <unbound.h>

#include <poll.h>

#include <chrono>
#include <fstream>

namespace dcvkit::dns {
namespace {

Error unbound_error(const std::string& what, int err, const std::string& hint) {
  return make_error(ErrorKind::Usage, "dns.dnssec_unavailable", what + ": " + ub_strerror(err), hint);
}

// Whether the trust anchor file holds a key of the root ("." DS or DNSKEY, as root.key does).
bool anchors_root(const std::string& file) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const auto start = line.find_first_not_of(" \t");
    if (start != std::string::npos && line[start] == '.' && start + 1 < line.size() && (line[start + 1] == ' ' || line[start + 1] == '\t'))
      return true;
  }
  return false;
}

// The start-up look at the resolver, answered on libunbound's thread and read here.
struct RootCheck {
  bool done = false;
  int err = 0;
  ub_result* result = nullptr;
  ~RootCheck() {
    if (result) ub_resolve_free(result);
  }
  static void on_result(void* arg, int err, ub_result* result) {
    auto* self = static_cast<RootCheck*>(arg);
    self->done = true;
    self->err = err;
    self->result = result;
  }
};

}  // namespace

const char* security_text(Security s) {
  switch (s) {
    case Security::Secure: return "secure";
    case Security::Insecure: return "insecure";
    case Security::Bogus: return "bogus";
    case Security::Unchecked: break;
  }
  return "";
}

// ca-rule: dnssec-anchor, dnssec-validate
Result<std::unique_ptr<Validator>> Validator::create(QueryLoop& loop, const DnssecOptions& options, const HostPort& resolver,
                                                     int timeout_ms) {
  ub_ctx* ctx = ub_ctx_create();
  if (!ctx) return make_error(ErrorKind::Internal, "dns.dnssec_unavailable", "cannot create a libunbound context");
  std::unique_ptr<Validator> v(new Validator(ctx));
  const std::string forwarder = resolver.host + "@" + std::to_string(resolver.port);
  const std::string resolver_text = resolver.host + ":" + std::to_string(resolver.port);
  if (!std::ifstream(options.trust_anchor_file))
    return make_error(ErrorKind::Usage, "dns.dnssec_unavailable", "cannot read the trust anchor " + options.trust_anchor_file,
                      "give a file of DS or DNSKEY records (--trust-anchor), or install dns-root-data for the root's");
  // A thread, not libunbound's default forked process: this process has other threads.
  if (int err = ub_ctx_async(ctx, 1); err != 0) return unbound_error("libunbound", err, "");
  // The resolver may be on loopback (a local cache, or a test world).
  if (int err = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no"); err != 0) return unbound_error("libunbound", err, "");
  // libunbound answers special-use names (RFC 6761: test., invalid., ...) itself, NXDOMAIN, where
  // the probe asks the resolver: ask the resolver for them too, so both see the same names.
  for (const char* zone : {"test. transparent", "invalid. transparent", "home.arpa. transparent"})
    if (int err = ub_ctx_set_option(ctx, "local-zone:", zone); err != 0) return unbound_error("libunbound", err, "");
  if (int err = ub_ctx_set_fwd(ctx, forwarder.c_str()); err != 0)
    return unbound_error("resolver " + resolver_text, err, "give --resolver as IP[:PORT]");
  if (int err = ub_ctx_add_ta_file(ctx, options.trust_anchor_file.c_str()); err != 0)
    return unbound_error("trust anchor " + options.trust_anchor_file, err,
                         "give a file of DS or DNSKEY records (--trust-anchor), or install dns-root-data for the root's");
  // One look at the resolver first: one that strips DNSSEC records, or cannot give the root's keys
  // when the root is the anchor, would make every answer bogus. Bounded like any query: a resolver
  // that does not answer must not hold the check up for libunbound's own, much longer, retries.
  RootCheck root;
  int async_id = 0;
  if (int err = ub_resolve_async(ctx, ".", static_cast<int>(RrType::DNSKEY), 1, &root, &RootCheck::on_result, &async_id); err != 0)
    return unbound_error("DNSKEY . through " + resolver_text, err, "");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!root.done) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    pollfd fd{ub_fd(ctx), POLLIN, 0};
    if (left <= 0 || ::poll(&fd, 1, static_cast<int>(left)) == 0) {
      ub_cancel(ctx, async_id);
      return make_error(ErrorKind::Usage, "dns.dnssec_unavailable",
                        "DNSSEC cannot be checked: resolver " + resolver_text + " did not answer DNSKEY . within " +
                            std::to_string(timeout_ms) + " ms",
                        "check --resolver, or leave DNSSEC out (--no-dnssec)");
    }
    ub_process(ctx);
  }
  if (root.err != 0 || !root.result) return unbound_error("DNSKEY . through " + resolver_text, root.err, "");
  const bool bogus = root.result->bogus != 0 || (!root.result->secure && anchors_root(options.trust_anchor_file));
  std::string why = root.result->why_bogus ? root.result->why_bogus
                                           : "the resolver answered " + rcode_text(root.result->rcode) + " for DNSKEY .";
  if (bogus)
    return make_error(ErrorKind::Usage, "dns.dnssec_unavailable",
                      "DNSSEC cannot be checked through resolver " + resolver_text + " with trust anchor " +
                          options.trust_anchor_file + ": " + why,
                      "use a resolver that passes DNSSEC records (--resolver), the trust anchor of your private root "
                      "(--trust-anchor), or leave DNSSEC out (--no-dnssec)");
  Validator* raw = v.get();
  loop.attach(ub_fd(ctx), [raw] { raw->process(); }, [raw] { return !raw->live_.empty(); });
  return v;
}

Validator::~Validator() {
  ub_ctx_delete(ctx_);  // cancels what is in flight: its callbacks do not run (live_ frees them)
  for (auto& d : done_) ub_resolve_free(d.result);
}

void Validator::ask(const std::string& name, RrType type, ValidatedHandler handler) {
  auto query = std::make_unique<Query>(Query{this, std::move(handler)});
  ++asked_;
  if (ub_resolve_async(ctx_, name.c_str(), static_cast<int>(type), 1, query.get(), &Validator::on_result, nullptr) != 0) {
    query->handler(Reply{ARES_ECONNREFUSED, nullptr, {}}, Security::Unchecked, "libunbound refused the query");
    return;
  }
  Query* raw = query.get();
  live_.emplace(raw, std::move(query));
}

// Runs inside ub_process: the completion is parked and handled once ub_process has returned, so
// a handler may ask again without re-entering libunbound.
void Validator::on_result(void* arg, int err, ub_result* result) {
  auto* raw = static_cast<Query*>(arg);
  Validator* self = raw->self;
  auto it = self->live_.find(raw);
  self->done_.push_back(Done{std::move(it->second), err, result});
  self->live_.erase(it);
}

void Validator::process() {
  ub_process(ctx_);
  std::vector<Done> done;
  done.swap(done_);
  for (Done& d : done) {
    Reply reply;
    Security security = Security::Unchecked;
    std::string why;
    if (d.err != 0 || !d.result) {
      reply.status = ARES_ECONNREFUSED;
      why = ub_strerror(d.err);
    } else {
      reply.status = ARES_SUCCESS;
      if (message_.parse(static_cast<const unsigned char*>(d.result->answer_packet),
                         static_cast<std::size_t>(d.result->answer_len)))
        reply.message = &message_;
      else
        reply.malformed = message_.error();
      security = d.result->bogus ? Security::Bogus : d.result->secure ? Security::Secure : Security::Insecure;
      if (d.result->why_bogus) why = d.result->why_bogus;
    }
    d.query->handler(reply, security, why);
    ub_resolve_free(d.result);
    d.result = nullptr;
  }
}

}  // namespace dcvkit::dns
