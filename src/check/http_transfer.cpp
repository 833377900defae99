#include "check/http_transfer.hpp"

#include <algorithm>

namespace dcvkit {
namespace {

constexpr const char* kUserAgent = "dcvkit/" DCVKIT_VERSION " (pre-validation)";

std::string bracketed(const std::string& address) {
  return address.find(':') != std::string::npos && address.front() != '[' ? "[" + address + "]" : address;
}

}  // namespace

template <class T>
void HttpTransfer::set(CURLoption option, T value) {
  // A refused option may be one that keeps us off the network (proxy, CONNECT_TO): never run then.
  if (curl_easy_setopt(easy_.get(), option, value) != CURLE_OK) ready_ = false;
}

HttpTransfer::HttpTransfer(const HttpProbeOptions& options, const std::string& url, const std::string& host,
                           const std::string& address, void* owner)
    : easy_(curl_easy_init()),
      body_limit_(options.body_limit),
      read_limit_(std::max(options.body_limit, options.diagnostic_limit)) {
  if (!easy_) {
    ready_ = false;
    return;
  }
  // URLs keep the default ports (the redirect rules look at them); only the connection moves.
  const std::string to = bracketed(address);
  for (const auto& [port, target] : {std::pair{80, options.http_port}, std::pair{443, options.https_port}}) {
    const std::string entry = bracketed(host) + ":" + std::to_string(port) + ":" + to + ":" + std::to_string(target);
    curl_slist* grown = curl_slist_append(connect_to_.get(), entry.c_str());
    if (grown == nullptr) {
      ready_ = false;
      return;
    }
    (void)connect_to_.release();
    connect_to_.reset(grown);
  }
  set(CURLOPT_URL, url.c_str());
  set(CURLOPT_PRIVATE, owner);
  set(CURLOPT_ERRORBUFFER, error_);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_CONNECT_TO, connect_to_.get());
  set(CURLOPT_PROXY, "");  // ignore http_proxy & co.: the CA connects directly
  set(CURLOPT_NOPROXY, "*");
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  if (address.empty()) set(CURLOPT_IPRESOLVE, static_cast<long>(CURL_IPRESOLVE_V4));  // the CA fetches over IPv4
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_HTTPGET, 1L);
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  set(CURLOPT_USERAGENT, kUserAgent);
  set(CURLOPT_SSL_VERIFYPEER, 0L);  // the CA does not verify the certificate either
  set(CURLOPT_SSL_VERIFYHOST, 0L);
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options.read_timeout_ms));
  set(CURLOPT_WRITEFUNCTION, &HttpTransfer::on_body);
  set(CURLOPT_WRITEDATA, static_cast<void*>(this));
}

std::size_t HttpTransfer::on_body(char* data, std::size_t size, std::size_t count, void* self) {
  auto* t = static_cast<HttpTransfer*>(self);
  const std::size_t n = size * count;
  if (!t->judged_) {
    long status = 0;
    curl_easy_getinfo(t->easy_.get(), CURLINFO_RESPONSE_CODE, &status);
    t->discarded_ = status < 200 || status > 299;
    t->judged_ = true;
  }
  if (t->discarded_) return 0;  // aborts: the status is all that counts
  std::size_t used = 0;
  if (t->body_.size() < t->body_limit_) {
    used = std::min(n, t->body_limit_ - t->body_.size());
    t->body_.append(data, used);
  }
  const std::size_t room = t->read_limit_ - t->body_.size() - t->beyond_.size();
  const std::size_t more = std::min(n - used, room);
  t->beyond_.append(data + used, more);
  if (used + more < n) {
    t->cut_ = true;
    return 0;
  }
  return n;
}

HttpResponse HttpTransfer::finish(CURLcode code) {
  HttpResponse r;
  CURL* e = easy_.get();
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
  // CONNECT_TIME stays 0 while a TLS handshake is pending (curl counts it as connecting), but
  // the local port is only known once the TCP handshake completed.
  long local_port = 0;
  curl_easy_getinfo(e, CURLINFO_LOCAL_PORT, &local_port);
  r.connected = local_port > 0 || r.status != 0;
  char* ip = nullptr;
  if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != nullptr) r.address = ip;
  const bool deliberate = code == CURLE_WRITE_ERROR && (cut_ || discarded_);
  if (code != CURLE_OK && !deliberate) {
    r.error = error_[0] != '\0' ? std::string(error_) : std::string(curl_easy_strerror(code));
    r.timed_out = code == CURLE_OPERATION_TIMEDOUT;
  }
  curl_header* h = nullptr;
  if (curl_easy_header(e, "Location", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h != nullptr && h->value != nullptr)
    r.location = h->value;
  r.body = std::move(body_);
  r.beyond = std::move(beyond_);
  return r;
}

}  // namespace dcvkit
