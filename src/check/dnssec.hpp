// A validating resolver (libunbound) on the probe's event loop: asks through the same resolver as
// the probe, validates from the trust anchor, and hands back the answer with its security verdict.
// libunbound keeps the DNSKEY/DS chain in its cache, so a zone's keys are fetched once per batch.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "check/dns_query_loop.hpp"
#include "dcvkit/check_dns.hpp"

struct ub_ctx;
struct ub_result;

namespace dcvkit::dns {

enum class Security { Unchecked, Secure, Insecure, Bogus };
const char* security_text(Security s);

// `reply.message` is null when no answer came (libunbound gave up); `why` says why it is bogus.
using ValidatedHandler = std::function<void(const Reply& reply, Security security, const std::string& why)>;

class Validator {
 public:
  // Sets up libunbound to forward to `resolver` and trust `options.trust_anchor_file`, then makes
  // sure the resolver passes DNSSEC records at all, within `timeout_ms` ("dns.dnssec_unavailable"
  // otherwise).
  static Result<std::unique_ptr<Validator>> create(QueryLoop& loop, const DnssecOptions& options, const HostPort& resolver,
                                                   int timeout_ms);
  ~Validator();
  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;

  void ask(const std::string& name, RrType type, ValidatedHandler handler);
  std::size_t asked() const { return asked_; }

 private:
  explicit Validator(ub_ctx* ctx) : ctx_(ctx) {}
  static void on_result(void* arg, int err, ub_result* result);
  void process();

  struct Query {
    Validator* self;
    ValidatedHandler handler;
  };
  struct Done {
    std::unique_ptr<Query> query;
    int err = 0;
    ub_result* result = nullptr;
  };
  ub_ctx* ctx_;
  std::size_t asked_ = 0;
  std::unordered_map<Query*, std::unique_ptr<Query>> live_;  // handed to libunbound, not yet back
  std::vector<Done> done_;
  Message message_;
};

}  // namespace dcvkit::dns
