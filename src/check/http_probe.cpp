// The CA's HTTP check, asynchronously: one libcurl multi handle driven on the thread that calls
// run(). Each name walks https then http, one hop (one easy handle) at a time; redirects are judged
// here (redirect_rules), never followed by curl, so every hop is observed and reported.
#include <algorithm>
#include <chrono>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "check/curl_handles.hpp"
#include "check/http_transfer.hpp"
#include "check/redirect_rules.hpp"
#include "check/registrable_domain.hpp"
#include "dcvkit/check_http.hpp"

namespace dcvkit {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxRedirects = 5;
constexpr const char* kPath = "/.well-known/pki-validation/fileauth.txt";

struct Request {
  std::string name;
  std::function<void(HttpObservation)> done;
  std::function<bool(const std::string&)> accept;
};

struct Job {
  Request request;
  std::string host;  // lower-cased name
  std::string site;  // its registrable domain: redirects must stay within it
  HttpObservation observation;
  Clock::time_point started;
  std::unordered_set<std::string> seen;  // URLs asked in the current attempt
  std::string url, url_host;             // the hop in flight
  std::unique_ptr<HttpTransfer> transfer;
};

// Anything else would change what the URL means (a '/', '@' or ':' in a "name").
bool is_host_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  });
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
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
  MultiHttpProbe(const HttpProbeOptions& options, curl::Multi multi) : options_(options), multi_(std::move(multi)) {}

  ~MultiHttpProbe() override {
    for (auto& [key, job] : active_)
      if (job->transfer) curl_multi_remove_handle(multi_.get(), job->transfer->easy());
  }

  void submit(std::string name, std::function<void(HttpObservation)> done,
              std::function<bool(const std::string& body)> accept) override {
    queue_.push_back(Request{std::move(name), std::move(done), std::move(accept)});
  }

  void run() override {
    for (;;) {
      while (active_.size() < options_.max_in_flight && !queue_.empty()) {
        Request r = std::move(queue_.front());
        queue_.pop_front();
        start(std::move(r));  // may finish at once, and its callback may queue more
      }
      if (active_.empty()) {
        if (queue_.empty()) return;
        continue;
      }
      int running = 0;
      const CURLMcode mc = curl_multi_perform(multi_.get(), &running);
      if (mc != CURLM_OK) abort_all(std::string("libcurl multi: ") + curl_multi_strerror(mc));
      collect();
      const bool room_for_more = !queue_.empty() && active_.size() < options_.max_in_flight;
      if (!active_.empty() && !room_for_more) curl_multi_poll(multi_.get(), nullptr, 0, 1000, nullptr);
    }
  }

 private:
  void start(Request r) {
    auto job = std::make_unique<Job>();
    Job* j = job.get();
    j->request = std::move(r);
    j->host = lower(j->request.name);
    while (!j->host.empty() && j->host.back() == '.') j->host.pop_back();
    j->site = registrable_domain(j->host);
    j->observation.name = j->request.name;
    j->started = Clock::now();
    active_.emplace(j, std::move(job));
    begin_attempt(*j, "https");
  }

  void begin_attempt(Job& job, const std::string& scheme) {
    job.seen.clear();
    auto& attempt = job.observation.attempts.emplace_back();
    attempt.start_url = scheme + "://" + job.host + kPath;
    if (!is_host_name(job.host)) {
      fail(attempt, "http.connect_failed", "'" + job.request.name + "' is not a host name");
      return end_attempt(job);
    }
    begin_hop(job, attempt.start_url, job.host);
  }

  void begin_hop(Job& job, std::string url, std::string host) {
    job.seen.insert(url);
    job.url = std::move(url);
    job.url_host = std::move(host);
    job.transfer = std::make_unique<HttpTransfer>(options_, job.url, job.url_host, &job);
    if (job.transfer->ready() && curl_multi_add_handle(multi_.get(), job.transfer->easy()) == CURLM_OK) return;
    job.transfer.reset();
    auto& attempt = job.observation.attempts.back();
    attempt.hops.push_back(HttpHop{job.url, 0, "", "libcurl refused the transfer setup"});
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
    auto& hop = attempt.hops.emplace_back(HttpHop{job.url, r.status, "", r.error});
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
      RedirectTarget target = resolve_redirect(job.url, r.location, job.site);
      hop.location = target.url.empty() ? r.location : target.url;
      if (!target.error_code.empty()) {
        fail(attempt, std::move(target.error_code), std::move(target.error_detail));
      } else if (job.seen.count(target.url) != 0) {
        fail(attempt, "http.redirect_loop", job.url + " redirects back to " + target.url);
      } else if (attempt.hops.size() > kMaxRedirects) {
        fail(attempt, "http.too_many_redirects",
             job.url + " redirects once more after " + std::to_string(kMaxRedirects) + " redirects");
      } else {
        return begin_hop(job, std::move(target.url), std::move(target.host));
      }
    } else {
      judge_status(attempt, job.url, r.status);
    }
    end_attempt(job);
  }

  void end_attempt(Job& job) {
    auto& attempts = job.observation.attempts;
    if (attempts.size() == 1) {
      const auto& https = attempts.front();
      const bool accepted = https.error_code.empty() && (!job.request.accept || job.request.accept(https.body));
      if (!accepted) return begin_attempt(job, "http");
    }
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
    for (auto& [key, job] : active_) jobs.push_back(key);
    for (Job* j : jobs) {
      if (j->transfer) curl_multi_remove_handle(multi_.get(), j->transfer->easy());
      j->transfer.reset();
      auto& attempt = j->observation.attempts.back();
      attempt.hops.push_back(HttpHop{j->url, 0, "", why});
      fail(attempt, "http.connect_failed", j->url + ": " + why);
      finish(*j);  // no second attempt: the multi handle itself is broken
    }
  }

  HttpProbeOptions options_;
  curl::Multi multi_;  // declared before the jobs: their easy handles go first
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
  return std::unique_ptr<HttpProbe>(std::make_unique<MultiHttpProbe>(options, std::move(multi)));
}

}  // namespace dcvkit
