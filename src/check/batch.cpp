#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "check/acme_request.hpp"
#include "dcvkit/check_batch.hpp"
#include "dcvkit/names.hpp"

namespace dcvkit {
namespace {

constexpr std::size_t kMaxHttpLoops = 16;

// One caller's batch: its handler (called one result at a time) and how many of its names are
// still out, so check() returns when the last is answered.
struct Call {
  explicit Call(const CheckService::AnsweredHandler& handler) : on_result(handler) {}
  const CheckService::AnsweredHandler& on_result;
  std::mutex m;
  std::condition_variable drained;
  std::size_t outstanding = 0;

  void outstanding_add() {
    std::lock_guard lock(m);
    ++outstanding;
  }
  void emit(CheckResult r, const CheckRequest& asked) {
    std::lock_guard lock(m);
    on_result(std::move(r), asked);
    if (--outstanding == 0) drained.notify_all();
  }
  void wait() {
    std::unique_lock lock(m);
    drained.wait(lock, [&] { return outstanding == 0; });
  }
};

// A name in flight. Its DCV verdict and its CAA verdict come from different lookups (for HTTP
// names, different threads): whichever lands second emits the name's one result.
struct Pending {
  CheckRequest request;
  std::shared_ptr<Call> call;
  bool caa_checked = false;
  std::mutex m;
  std::optional<CheckResult> result;
  std::optional<CaaVerdict> caa;
};

// What a lane is handed: a name, and for CAA whether this is the name's CAA lookup.
struct Work {
  std::shared_ptr<Pending> pending;
  bool caa_only = false;
};

// A bounded hand-off from the reader to the probe threads: the reader waits when it is full, so a
// million-line input never sits in memory. Sleepers are woken only when they wait, and the reader
// only once the queue has drained to half: it then refills in one go instead of waking per item.
class RequestQueue {
 public:
  explicit RequestQueue(std::size_t capacity) : capacity_(std::max<std::size_t>(2, capacity)) {}
  void push(Work r) {
    std::unique_lock lock(m_);
    if (q_.size() >= capacity_) {
      ++producers_waiting_;
      space_.wait(lock, [&] { return q_.size() <= capacity_ / 2; });
      --producers_waiting_;
    }
    q_.push_back(std::move(r));
    if (consumers_waiting_ > 0) ready_.notify_one();
  }
  void close() {
    std::lock_guard lock(m_);
    closed_ = true;
    ready_.notify_all();
  }
  std::optional<Work> try_pop() {
    std::lock_guard lock(m_);
    return pop_locked();
  }
  // Waits for a request; nothing once closed and drained.
  std::optional<Work> wait_pop() {
    std::unique_lock lock(m_);
    ++consumers_waiting_;
    ready_.wait(lock, [&] { return !q_.empty() || closed_; });
    --consumers_waiting_;
    return pop_locked();
  }

 private:
  std::optional<Work> pop_locked() {
    if (q_.empty()) return std::nullopt;
    Work r = std::move(q_.front());
    q_.pop_front();
    if (producers_waiting_ > 0 && q_.size() <= capacity_ / 2) space_.notify_one();
    return r;
  }
  std::size_t capacity_;
  std::mutex m_;
  std::condition_variable ready_, space_;
  std::deque<Work> q_;
  std::size_t producers_waiting_ = 0, consumers_waiting_ = 0;
  bool closed_ = false;
};

// Runs one probe: keeps up to `limit` names in flight, refilling from the queue as names finish.
template <class Probe, class Submit>
void drive(Probe& probe, RequestQueue& queue, std::size_t limit, Submit submit) {
  std::size_t in_flight = 0;
  std::function<void()> refill;
  auto start = [&](Work r) {
    ++in_flight;
    submit(std::move(r), [&] {
      --in_flight;
      refill();
    });
  };
  refill = [&] {
    while (in_flight < limit) {
      auto r = queue.try_pop();
      if (!r) return;
      start(std::move(*r));
    }
  };
  for (;;) {
    refill();
    if (in_flight == 0) {
      auto r = queue.wait_pop();
      if (!r) return;
      start(std::move(*r));
    }
    probe.run();
  }
}

std::size_t share(std::size_t total, std::size_t parts) { return std::max<std::size_t>(1, (total + parts - 1) / parts); }

// One method's side of the service: its queue and the threads that run its probes, started when
// the first name for the method arrives.
struct Lane {
  explicit Lane(std::size_t capacity) : queue(capacity) {}
  RequestQueue queue;
  std::vector<std::thread> threads;
  bool started = false;
};

Result<std::string> normalized(const CheckRequest& request) {
  NameRules rules;
  // An http-01 wildcard gets its own verdict (detail::refuse_acme).
  rules.allow_wildcard = request.method == DcvMethod::Dns || request.kind == TokenKind::AcmeHttp01;
  return normalize_dns_name(request.name, rules);
}

}  // namespace

class CheckService::Lanes {
 public:
  explicit Lanes(CheckBatchOptions options)
      : options_(std::move(options)),
        clock_(options_.clock ? *options_.clock : system_clock()),
        limit_(std::max<std::size_t>(1, options_.concurrency)),
        dns_(2 * limit_),
        http_(2 * limit_) {}

  ~Lanes() {
    for (Lane* lane : {&dns_, &http_}) {
      lane->queue.close();
      for (auto& t : lane->threads) t.join();
    }
  }

  // ca-rule: caa-every-name
  // Hands a valid name to its method's lane, and its CAA lookup to the DNS lane, starting the
  // lanes if need be.
  Status route(const std::shared_ptr<Pending>& p) {
    const bool dns = p->request.method == DcvMethod::Dns;
    Lane& lane = dns ? dns_ : http_;
    if (auto st = start(lane); !st) return st;
    if (options_.caa.enabled && p->request.caa) {
      if (auto st = start(dns_); !st) return st;
      p->caa_checked = true;
    }
    p->call->outstanding_add();
    if (p->caa_checked) dns_.queue.push(Work{p, true});
    lane.queue.push(Work{p, false});
    return {};
  }

 private:
  // The DCV half of a name's result: emitted now, or kept for its CAA half.
  static void deliver(const std::shared_ptr<Pending>& p, CheckResult r) {
    if (!p->caa_checked) return p->call->emit(std::move(r), p->request);
    std::unique_lock lock(p->m);
    if (!p->caa) {
      p->result = std::move(r);
      return;
    }
    lock.unlock();
    apply_caa(r, *p->caa);
    p->call->emit(std::move(r), p->request);
  }

  static void deliver(const std::shared_ptr<Pending>& p, CaaVerdict v) {
    std::unique_lock lock(p->m);
    if (!p->result) {
      p->caa = std::move(v);
      return;
    }
    CheckResult r = std::move(*p->result);
    lock.unlock();
    apply_caa(r, v);
    p->call->emit(std::move(r), p->request);
  }

  Status start(Lane& lane) {
    std::lock_guard lock(start_);
    if (lane.started) return {};
    auto st = &lane == &dns_ ? start_dns() : start_http();
    if (st) lane.started = true;
    return st;
  }

  Status start_dns() {
    auto probe = DnsProbe::create(options_.dns);
    if (!probe) return probe.error();
    dns_.threads.emplace_back([this, p = std::shared_ptr<DnsProbe>(std::move(*probe))] {
      drive(*p, dns_.queue, limit_, [&](const Work& w, const std::function<void()>& finished) {
        const std::string& name = w.pending->request.name;
        if (w.caa_only) {
          p->submit_caa(name, [this, pending = w.pending, finished](const CaaObservation& o) {
            deliver(pending, judge_caa(o, options_.caa.identities));
            finished();
          });
          return;
        }
        if (w.pending->request.kind == TokenKind::AcmeDns01) {
          p->submit_owner(name, detail::acme_dns_owner(name), [pending = w.pending, finished](const DnsObservation& o) {
            deliver(pending, judge_acme_dns(o, detail::acme_dns_value(pending->request)));
            finished();
          });
          return;
        }
        p->submit(name, [this, pending = w.pending, finished](const DnsObservation& o) {
          deliver(pending, judge_dns(o, *pending->request.expected, clock_.now()));
          finished();
        });
      });
    });
    return {};
  }

  // Several loops, one thread each, all fed from the one queue: a TLS handshake costs the client
  // about a millisecond of CPU, so one loop saturates its core long before the servers do.
  Status start_http() {
    const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t loops =
        std::clamp<std::size_t>(options_.http_loops ? options_.http_loops : hardware, 1, std::min(limit_, kMaxHttpLoops));
    HttpProbeOptions per_loop = options_.http;
    per_loop.max_in_flight = share(per_loop.max_in_flight, loops);
    std::vector<std::shared_ptr<HttpProbe>> probes;
    for (std::size_t i = 0; i < loops; ++i) {
      auto probe = HttpProbe::create(per_loop);
      if (!probe) return probe.error();
      probes.push_back(std::move(*probe));
    }
    const std::size_t limit = share(limit_, loops);
    for (auto& probe : probes)
      http_.threads.emplace_back([this, limit, p = std::move(probe)] {
        drive(*p, http_.queue, limit, [&](const Work& w, const std::function<void()>& finished) {
          const CheckRequest& asked = w.pending->request;
          if (asked.kind == TokenKind::AcmeHttp01) {
            p->fetch(detail::acme_http_target(asked), [pending = w.pending, finished](const HttpObservation& o) {
              deliver(pending, judge_acme_http(o, pending->request.key_authorization));
              finished();
            });
            return;
          }
          p->submit(asked.name, [this, pending = w.pending, finished](const HttpObservation& o) {
            deliver(pending, judge_http(o, *pending->request.expected, clock_.now()));
            finished();
          });
        });
      });
    return {};
  }

  const CheckBatchOptions options_;
  const Clock& clock_;
  const std::size_t limit_;
  std::mutex start_;
  Lane dns_, http_;
};

CheckService::CheckService(CheckBatchOptions options) : lanes_(std::make_unique<Lanes>(std::move(options))) {}
CheckService::~CheckService() = default;

Status CheckService::check_each(const std::function<std::optional<CheckRequest>()>& next, const AnsweredHandler& on_result) {
  auto call = std::make_shared<Call>(on_result);
  Status status;
  while (auto request = next()) {
    auto name = normalized(*request);
    if (!name) {
      CheckResult r;
      r.name = request->name;
      r.method = request->method;
      r.kind = request->kind;
      r.code = name.error().code;
      r.message = name.error().message;
      r.hint = name.error().hint;
      call->outstanding_add();
      call->emit(std::move(r), *request);
      continue;
    }
    request->name = std::move(*name);
    if (auto refused = detail::refuse_acme(*request, request->name)) {
      call->outstanding_add();
      call->emit(std::move(*refused), *request);
      continue;
    }
    auto pending = std::make_shared<Pending>();
    pending->request = std::move(*request);
    pending->call = call;
    if (status = lanes_->route(pending); !status) break;
  }
  // The handler lives on the caller's stack: every name handed out is answered before returning.
  call->wait();
  return status;
}

Status CheckService::check(const std::function<std::optional<CheckRequest>()>& next,
                           const std::function<void(CheckResult)>& on_result) {
  return check_each(next, [&](CheckResult r, const CheckRequest&) { on_result(std::move(r)); });
}

Status run_check_batch(const CheckBatchOptions& options, const std::function<std::optional<CheckRequest>()>& next,
                       const std::function<void(CheckResult)>& on_result) {
  CheckService service(options);
  return service.check(next, on_result);
}

}  // namespace dcvkit
