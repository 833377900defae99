// The CA's HTTP check, asynchronously: one libcurl multi handle driven on the thread that calls
// run(). Each name walks https then http, one hop (one easy handle) at a time; redirects are judged
// here (redirect_rules), never followed by curl, so every hop is observed and reported.
#include <algorithm>
#include <chrono>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "check/curl_handles.hpp"
#include "check/host_resolver.hpp"
#include "check/http_transfer.hpp"
#include "check/redirect_rules.hpp"
#include "check/registrable_domain.hpp"
#include "dcvkit/check_http.hpp"

namespace dcvkit {
namespace {

using Clock = std::chrono::steady_clock;
struct Request {
  HttpTarget target;
  std::function<void(HttpObservation)> done;
};

struct Job {
  Request request;
  std::string host;  // lower-cased name
  std::string site;  // its registrable domain: redirects must stay within it
  HttpObservation observation;
  Clock::time_point started;
  std::unordered_set<std::string> seen;  // URLs asked in the current attempt
  std::string url, url_host;             // the hop in flight
  std::string address;                   // where it connects ("": libcurl resolves)
  std::string pinned;                    // all_addresses: the address `host` is fetched from
  std::unique_ptr<HttpTransfer> transfer;
};

// all_addresses: one name fetched from each of its addresses, answered once all are done.
struct Fan {
  HttpObservation observation;
  std::size_t pending = 0;
  std::function<void(HttpObservation)> done;
  Clock::time_point started;
};

// Anything else would change what the URL means (a '/', '@' or ':' in a "name").
bool is_host_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  });
}


void fail(HttpAttempt& attempt, std::string code, std::string detail) {
  attempt.error_code = std::move(code);
  attempt.error_detail = std::move(detail);
}

void judge_status(HttpAttempt& attempt, const std::string& url, long status) {
  const std::string what = url + " answered " + std::to_string(status);
  if (status == 404) fail(attempt, "http.not_found", what);
  else if (status >= 400 && status <= 499) fail(attempt, "http.client_error", what);
  else if (status >= 500 && status <= 599) fail(attempt, "http.status_5xx", what);
  else if (status >= 300 && status <= 399) fail(attempt, "http.status_other", what + " (only 301, 302, 307 and 308 are followed)");
  else fail(attempt, "http.status_other", what + " (a 2xx status is required)");
}

class MultiHttpProbe final : public HttpProbe {
 public:
  MultiHttpProbe(const HttpProbeOptions& options, curl::Multi multi, std::unique_ptr<dns::HostResolver> resolver)
      : options_(options), multi_(std::move(multi)), resolver_(std::move(resolver)) {}

  ~MultiHttpProbe() override {
    for (auto& [key, job] : active_)
      if (job->transfer) curl_multi_remove_handle(multi_.get(), job->transfer->easy());
  }

  void fetch(HttpTarget target, std::function<void(HttpObservation)> done) override {
    queue_.push_back(Request{std::move(target), std::move(done)});
  }

  void run() override {
    for (;;) {
      while (active_.size() < options_.max_in_flight && !queue_.empty()) {
        Request r = std::move(queue_.front());
        queue_.pop_front();
        start(std::move(r));  // may finish at once, and its callback may queue more
      }
      const bool resolving = resolver_ && resolver_->busy();
      if (active_.empty() && !resolving) {
        if (queue_.empty()) return;
        continue;
      }
      int running = 0;
      const CURLMcode mc = curl_multi_perform(multi_.get(), &running);
      if (mc != CURLM_OK) abort_all(std::string("libcurl multi: ") + curl_multi_strerror(mc));
      collect();
      const bool room_for_more = !queue_.empty() && active_.size() < options_.max_in_flight;
      fds_.clear();
      const int wait_ms = resolver_ ? resolver_->prepare(fds_, 1000) : 1000;
      if ((!active_.empty() || resolving) && !room_for_more)
        curl_multi_poll(multi_.get(), fds_.data(), static_cast<unsigned>(fds_.size()), wait_ms, nullptr);
      if (resolver_) resolver_->process(fds_);  // may start transfers, finish names, queue more
    }
  }

 private:
  bool resolves() const { return resolver_ && options_.connect_address.empty(); }
  static bool acme(const Job& job) { return job.request.target.rules == HttpRules::AcmeHttp01; }

  void start(Request r) {
    std::string host = canonical_host(r.target.name);
    if (!options_.all_addresses || !resolves() || !is_host_name(host)) return start_job(std::move(r), std::move(host), "");
    // Every A record of the name, each fetched as the CA would if it had picked that one.
    auto fan = std::make_shared<Fan>();
    fan->started = Clock::now();
    fan->observation.name = r.target.name;
    resolver_->resolve(host, [this, fan, host, r = std::move(r)](const dns::HostAddresses& found) mutable {
      if (found.ipv4.size() < 2) return start_job(std::move(r), std::move(host), "");  // one address, or the failure
      fan->done = std::move(r.done);
      fan->pending = found.ipv4.size();
      fan->observation.per_address.resize(found.ipv4.size());
      for (std::size_t i = 0; i < found.ipv4.size(); ++i) {
        Request part{r.target, [this, fan, i](HttpObservation o) {
                       fan->observation.per_address[i] = std::move(o);
                       if (--fan->pending == 0) finish_fan(*fan);
                     }};
        start_job(std::move(part), host, found.ipv4[i]);
      }
    });
  }

  void finish_fan(Fan& fan) {
    fan.observation.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - fan.started).count();
    for (const auto& part : fan.observation.per_address)
      fan.observation.address += (fan.observation.address.empty() ? "" : ", ") + part.address;
    auto done = std::move(fan.done);
    if (done) done(std::move(fan.observation));
  }

  void start_job(Request r, std::string host, std::string pinned) {
    auto job = std::make_unique<Job>();
    Job* j = job.get();
    j->request = std::move(r);
    j->host = std::move(host);
    j->site = registrable_domain(j->host);
    j->pinned = std::move(pinned);
    j->observation.name = j->request.target.name;
    j->observation.address = j->pinned;
    j->started = Clock::now();
    active_.emplace(j, std::move(job));
    // ca-rule: acme-http01-fetch
    begin_attempt(*j, acme(*j) ? "http" : "https");
  }

  void begin_attempt(Job& job, const std::string& scheme) {
    job.seen.clear();
    auto& attempt = job.observation.attempts.emplace_back();
    attempt.start_url = scheme + "://" + job.host + job.request.target.path;
    if (!is_host_name(job.host)) {
      fail(attempt, "http.connect_failed", "'" + job.request.target.name + "' is not a host name");
      return end_attempt(job);
    }
    begin_hop(job, attempt.start_url, job.host);
  }

  void begin_hop(Job& job, std::string url, std::string host) {
    job.seen.insert(url);
    job.url = std::move(url);
    job.url_host = std::move(host);
    if (!options_.connect_address.empty()) return connect_hop(job, options_.connect_address);
    if (!resolves()) return connect_hop(job, "");
    if (!job.pinned.empty() && job.url_host == job.host) return connect_hop(job, job.pinned);
    // The job stays in active_ while its host is looked up (a broken multi handle does not end it).
    resolver_->resolve(job.url_host, [this, j = &job](const dns::HostAddresses& found) {
      if (!found.ipv4.empty()) return connect_hop(*j, found.ipv4.front());
      auto& attempt = j->observation.attempts.back();
      attempt.hops.push_back(HttpHop{j->url, 0, "", found.error_detail, ""});
      fail(attempt, found.error_code, j->url + ": " + found.error_detail);
      end_attempt(*j);
    });
  }

  void connect_hop(Job& job, const std::string& address) {
    job.address = address;
    job.transfer = std::make_unique<HttpTransfer>(options_, job.url, job.url_host, address, &job);
    if (job.transfer->ready() && curl_multi_add_handle(multi_.get(), job.transfer->easy()) == CURLM_OK) return;
    job.transfer.reset();
    auto& attempt = job.observation.attempts.back();
    attempt.hops.push_back(HttpHop{job.url, 0, "", "libcurl refused the transfer setup", job.address});
    fail(attempt, "http.connect_failed", job.url + ": libcurl refused the transfer setup");
    end_attempt(job);
  }

  void collect() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      char* owner = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &owner);
      const CURLcode code = msg->data.result;
      curl_multi_remove_handle(multi_.get(), msg->easy_handle);  // msg is invalid from here on
      on_response(*reinterpret_cast<Job*>(owner), code);
    }
  }

  void on_response(Job& job, CURLcode code) {
    HttpResponse r = job.transfer->finish(code);
    job.transfer.reset();
    auto& attempt = job.observation.attempts.back();
    auto& hop = attempt.hops.emplace_back(HttpHop{job.url, r.status, "", r.error, r.address.empty() ? job.address : r.address});
    if (!r.error.empty()) {
      // Connected and then nothing in time: the server is there but does not answer.
      if (r.timed_out && r.connected)
        fail(attempt, "http.timeout",
             job.url + ": connected, but no complete answer within " + std::to_string(options_.read_timeout_ms) + " ms (" + r.error + ")");
      else
        fail(attempt, "http.connect_failed", job.url + ": " + r.error);
    } else if (r.status >= 200 && r.status <= 299) {
      attempt.body = std::move(r.body);
      attempt.beyond = std::move(r.beyond);
    } else if (is_followed_redirect(r.status)) {
      RedirectTarget target = resolve_redirect(job.url, r.location, job.site, job.request.target.rules);
      const std::size_t limit = max_redirects(job.request.target.rules);
      hop.location = target.url.empty() ? r.location : target.url;
      if (!target.error_code.empty()) {
        fail(attempt, std::move(target.error_code), std::move(target.error_detail));
      } else if (job.seen.count(target.url) != 0) {
        fail(attempt, "http.redirect_loop", job.url + " redirects back to " + target.url);
      } else if (attempt.hops.size() > limit) {
        fail(attempt, "http.too_many_redirects", job.url + " redirects once more after " + std::to_string(limit) + " redirects");
      } else {
        return begin_hop(job, std::move(target.url), std::move(target.host));
      }
    } else {
      judge_status(attempt, job.url, r.status);
    }
    end_attempt(job);
  }

  // The CA tries http:// only when the https fetch failed (transport, or no 2xx in the end): a 2xx
  // https body is judged alone, even when http:// would serve the right token. An ACME VA asks
  // http:// alone.
  void end_attempt(Job& job) {
    auto& attempts = job.observation.attempts;
    if (!acme(job) && attempts.size() == 1 && !attempts.front().error_code.empty()) return begin_attempt(job, "http");
    finish(job);
  }

  void finish(Job& job) {
    job.observation.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - job.started).count();
    HttpObservation observation = std::move(job.observation);
    auto done = std::move(job.request.done);
    active_.erase(&job);  // before the callback, which may submit more
    if (done) done(std::move(observation));
  }

  void abort_all(const std::string& why) {
    std::vector<Job*> jobs;
    for (auto& [key, job] : active_)
      if (job->transfer) jobs.push_back(key);  // a job waiting for an address is ended by its lookup
    for (Job* j : jobs) {
      if (j->transfer) curl_multi_remove_handle(multi_.get(), j->transfer->easy());
      j->transfer.reset();
      auto& attempt = j->observation.attempts.back();
      attempt.hops.push_back(HttpHop{j->url, 0, "", why, j->address});
      fail(attempt, "http.connect_failed", j->url + ": " + why);
      finish(*j);  // no second attempt: the multi handle itself is broken
    }
  }

  HttpProbeOptions options_;
  curl::Multi multi_;  // declared before the jobs: their easy handles go first
  std::unique_ptr<dns::HostResolver> resolver_;
  std::vector<curl_waitfd> fds_;  // the resolver's sockets, polled with curl's
  std::deque<Request> queue_;
  std::unordered_map<Job*, std::unique_ptr<Job>> active_;
};

}  // namespace

Result<std::unique_ptr<HttpProbe>> HttpProbe::create(const HttpProbeOptions& options) {
  if (options.max_in_flight == 0 || options.connect_timeout_ms <= 0 || options.read_timeout_ms <= 0)
    return make_error(ErrorKind::Usage, "http.bad_options", "HTTP probe: max_in_flight and both timeouts must be positive");
  if (!curl::global_init())
    return make_error(ErrorKind::Internal, "http.curl_init", "libcurl could not be initialised");
  curl::Multi multi(curl_multi_init());
  if (!multi) return make_error(ErrorKind::Internal, "http.curl_init", "libcurl could not create a multi handle");
  // Names rarely share a host, so idle connections are of little use beyond a redirect chain.
  curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, static_cast<long>(std::min<std::size_t>(options.max_in_flight, 1000)));
  std::unique_ptr<dns::HostResolver> resolver;
  if (!options.resolver.host.empty() && options.connect_address.empty()) {
    auto created = dns::HostResolver::create(options.resolver, options.resolve_timeout_ms);
    if (!created) return created.error();
    resolver = std::move(*created);
  }
  return std::unique_ptr<HttpProbe>(std::make_unique<MultiHttpProbe>(options, std::move(multi), std::move(resolver)));
}

}  // namespace dcvkit
