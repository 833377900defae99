#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "check/text_verdict.hpp"
#include "dcvkit/check_batch.hpp"
#include "dcvkit/names.hpp"

namespace dcvkit {
namespace {

// A bounded hand-off from the reader to a probe thread: the reader waits when it is full, so a
// million-line input never sits in memory.
class RequestQueue {
 public:
  explicit RequestQueue(std::size_t capacity) : capacity_(capacity) {}
  void push(CheckRequest r) {
    std::unique_lock lock(m_);
    space_.wait(lock, [&] { return q_.size() < capacity_; });
    q_.push_back(std::move(r));
    ready_.notify_one();
  }
  void close() {
    std::lock_guard lock(m_);
    closed_ = true;
    ready_.notify_all();
  }
  std::optional<CheckRequest> try_pop() {
    std::lock_guard lock(m_);
    return pop_locked();
  }
  // Waits for a request; nothing once closed and drained.
  std::optional<CheckRequest> wait_pop() {
    std::unique_lock lock(m_);
    ready_.wait(lock, [&] { return !q_.empty() || closed_; });
    return pop_locked();
  }

 private:
  std::optional<CheckRequest> pop_locked() {
    if (q_.empty()) return std::nullopt;
    CheckRequest r = std::move(q_.front());
    q_.pop_front();
    space_.notify_one();
    return r;
  }
  std::size_t capacity_;
  std::mutex m_;
  std::condition_variable ready_, space_;
  std::deque<CheckRequest> q_;
  bool closed_ = false;
};

// Runs one probe: keeps up to `limit` names in flight, refilling from the queue as names finish.
template <class Probe, class Submit>
void drive(Probe& probe, RequestQueue& queue, std::size_t limit, Submit submit) {
  std::size_t in_flight = 0;
  std::function<void()> refill;
  auto start = [&](CheckRequest r) {
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

}  // namespace

Status run_check_batch(const CheckBatchOptions& options, const std::function<std::optional<CheckRequest>()>& next,
                       const std::function<void(CheckResult)>& on_result) {
  const Clock& clock = options.clock ? *options.clock : system_clock();
  auto dns_probe = DnsProbe::create(options.dns);
  if (!dns_probe) return dns_probe.error();
  auto http_probe = HttpProbe::create(options.http);
  if (!http_probe) return http_probe.error();

  std::mutex out;
  auto emit = [&](CheckResult r) {
    std::lock_guard lock(out);
    on_result(std::move(r));
  };
  const std::size_t limit = std::max<std::size_t>(1, options.concurrency);
  RequestQueue dns_queue(2 * limit), http_queue(2 * limit);

  std::thread dns_thread([&] {
    drive(**dns_probe, dns_queue, limit, [&](CheckRequest r, std::function<void()> finished) {
      auto expected = r.expected;
      (*dns_probe)->submit(r.name, [&, expected, finished](DnsObservation o) {
        emit(judge_dns(o, *expected, clock.now()));
        finished();
      });
    });
  });
  std::thread http_thread([&] {
    drive(**http_probe, http_queue, limit, [&](CheckRequest r, std::function<void()> finished) {
      auto expected = r.expected;
      (*http_probe)->submit(
          r.name,
          [&, expected, finished](HttpObservation o) {
            emit(judge_http(o, *expected, clock.now()));
            finished();
          },
          [&clock, expected](const std::string& body) {
            return detail::judge_text(body, *expected, clock.now()).kind == detail::TextVerdict::Valid;
          });
    });
  });

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
      emit(std::move(r));
      continue;
    }
    request->name = std::move(*name);
    (request->method == DcvMethod::Dns ? dns_queue : http_queue).push(std::move(*request));
  }
  dns_queue.close();
  http_queue.close();
  dns_thread.join();
  http_thread.join();
  return {};
}

}  // namespace dcvkit
