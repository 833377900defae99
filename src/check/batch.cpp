#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "dcvkit/check_batch.hpp"
#include "dcvkit/names.hpp"

namespace dcvkit {
namespace {

constexpr std::size_t kMaxHttpLoops = 16;

// A name's DCV verdict and its CAA verdict come from different lookups (for HTTP names, different
// threads): whichever lands second emits the name's one result.
struct CaaJoin {
  std::mutex m;
  std::optional<CheckResult> result;
  std::optional<CaaVerdict> caa;
};

// What a lane is handed: a request, and for CAA whether this is the name's CAA lookup.
struct Work {
  CheckRequest request;
  std::shared_ptr<CaaJoin> join;  // null: CAA is not checked
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

// One method's side of the batch: its queue and the threads that run its probes, started when the
// first request for the method arrives.
struct Lane {
  explicit Lane(std::size_t capacity) : queue(capacity) {}
  RequestQueue queue;
  std::vector<std::thread> threads;
  bool started = false;
};

class Batch {
 public:
  Batch(const CheckBatchOptions& options, const std::function<void(CheckResult)>& on_result)
      : options_(options),
        on_result_(on_result),
        clock_(options.clock ? *options.clock : system_clock()),
        limit_(std::max<std::size_t>(1, options.concurrency)),
        dns_(2 * limit_),
        http_(2 * limit_) {}

  ~Batch() { finish(); }

  // ca-rule: caa-every-name
  // Hands a valid request to its method's lane, and its CAA lookup to the DNS lane, starting the
  // lanes if need be.
  Status route(CheckRequest request) {
    const bool dns = request.method == DcvMethod::Dns;
    Lane& lane = dns ? dns_ : http_;
    if (auto st = start(lane); !st) return st;
    std::shared_ptr<CaaJoin> join;
    if (options_.caa.enabled) {
      if (auto st = start(dns_); !st) return st;
      join = std::make_shared<CaaJoin>();
      dns_.queue.push(Work{request, join, true});
    }
    lane.queue.push(Work{std::move(request), std::move(join), false});
    return {};
  }

  void emit(CheckResult r) {
    std::lock_guard lock(out_);
    on_result_(std::move(r));
  }

  // The DCV half of a name's result: emitted now, or kept for its CAA half.
  void deliver(const std::shared_ptr<CaaJoin>& join, CheckResult r) {
    if (!join) return emit(std::move(r));
    std::unique_lock lock(join->m);
    if (!join->caa) {
      join->result = std::move(r);
      return;
    }
    lock.unlock();
    apply_caa(r, *join->caa);
    emit(std::move(r));
  }

  void deliver(const std::shared_ptr<CaaJoin>& join, CaaVerdict v) {
    std::unique_lock lock(join->m);
    if (!join->result) {
      join->caa = std::move(v);
      return;
    }
    CheckResult r = std::move(*join->result);
    lock.unlock();
    apply_caa(r, v);
    emit(std::move(r));
  }

  // Lets the lanes drain what they were given and waits for them.
  void finish() {
    for (Lane* lane : {&dns_, &http_}) {
      lane->queue.close();
      for (auto& t : lane->threads) t.join();
      lane->threads.clear();
    }
  }

 private:
  Status start(Lane& lane) {
    if (lane.started) return {};
    lane.started = true;
    return &lane == &dns_ ? start_dns() : start_http();
  }

  Status start_dns() {
    auto probe = DnsProbe::create(options_.dns);
    if (!probe) return probe.error();
    dns_.threads.emplace_back([this, p = std::shared_ptr<DnsProbe>(std::move(*probe))] {
      drive(*p, dns_.queue, limit_, [&](Work w, const std::function<void()>& finished) {
        if (w.caa_only) {
          p->submit_caa(std::move(w.request.name), [this, join = w.join, finished](const CaaObservation& o) {
            deliver(join, judge_caa(o, options_.caa.identities));
            finished();
          });
          return;
        }
        auto expected = w.request.expected;
        p->submit(std::move(w.request.name), [this, expected, join = w.join, finished](const DnsObservation& o) {
          deliver(join, judge_dns(o, *expected, clock_.now()));
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
        drive(*p, http_.queue, limit, [&](Work w, const std::function<void()>& finished) {
          auto expected = w.request.expected;
          p->submit(std::move(w.request.name), [this, expected, join = w.join, finished](const HttpObservation& o) {
            deliver(join, judge_http(o, *expected, clock_.now()));
            finished();
          });
        });
      });
    return {};
  }

  const CheckBatchOptions& options_;
  const std::function<void(CheckResult)>& on_result_;
  const Clock& clock_;
  const std::size_t limit_;
  std::mutex out_;
  Lane dns_, http_;
};

}  // namespace

Status run_check_batch(const CheckBatchOptions& options, const std::function<std::optional<CheckRequest>()>& next,
                       const std::function<void(CheckResult)>& on_result) {
  Batch batch(options, on_result);
  while (auto request = next()) {
    NameRules rules;
    rules.allow_wildcard = request->method == DcvMethod::Dns;
    auto name = normalize_dns_name(request->name, rules);
    if (!name) {
      CheckResult r;
      r.name = request->name;
      r.method = request->method;
      r.code = name.error().code;
      r.message = name.error().message;
      r.hint = name.error().hint;
      batch.emit(std::move(r));
      continue;
    }
    request->name = std::move(*name);
    if (auto st = batch.route(std::move(*request)); !st) return st;
  }
  batch.finish();
  return {};
}

}  // namespace dcvkit
