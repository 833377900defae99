// The libcurl transport: one easy handle for the client's lifetime (connections and TLS sessions
// are kept), TLS verification always on, bounded answers, and failures sorted by whether the
// request may have reached the server — the fact the order logic depends on.
#include <openssl/crypto.h>

#include <chrono>
#include <cstring>

#include "check/curl_handles.hpp"
#include "dcvkit/certcentral.hpp"
#include "dcvkit/certcentral_transport.hpp"
#include "util/strings.hpp"

namespace dcvkit::certcentral {
namespace {

constexpr std::size_t kMaxAnswerBytes = std::size_t{16} * 1024 * 1024;
constexpr std::size_t kLoggedBodyBytes = 4096;
constexpr std::size_t kMaxHeaders = 200;  // a server sending more is not one we talk to


std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return std::string(s);
}

struct Exchange {
  HttpReply* reply;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self) {
  auto* ex = static_cast<Exchange*>(self);
  const std::size_t n = size * count;
  if (ex->reply->body.size() + n > kMaxAnswerBytes) {
    ex->too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  ex->reply->body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self) {
  auto* ex = static_cast<Exchange*>(self);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (line.substr(0, 5) == "HTTP/") {  // a new answer (after 100 Continue): forget the last one's headers
    ex->reply->retry_after.clear();
    ex->reply->content_type.clear();
    ex->reply->headers.clear();
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    const std::string name = detail::ascii_lower(trim(line.substr(0, colon)));
    if (ex->reply->headers.size() < kMaxHeaders) ex->reply->headers.emplace_back(name, trim(line.substr(colon + 1)));
    if (name == "retry-after") ex->reply->retry_after = trim(line.substr(colon + 1));
    if (name == "content-type") ex->reply->content_type = trim(line.substr(colon + 1));
  }
  return n;
}

void log_body(const WireLog& log, char direction, std::string_view body, std::string_view key) {
  if (body.empty()) return;
  std::string shown = redact(body.substr(0, kLoggedBodyBytes), {key});
  if (body.size() > kLoggedBodyBytes) shown += " ... (" + std::to_string(body.size()) + " bytes)";
  log(std::string(1, direction) + " " + shown);
}

class CurlTransport final : public Transport {
 public:
  CurlTransport(TransportOptions options, curl::Easy easy, std::string capath)
      : o_(std::move(options)), easy_(std::move(easy)), capath_(std::move(capath)) {}

  HttpReply send(const HttpRequest& request) override {
    HttpReply reply;
    Exchange ex{&reply};
    CURL* h = easy_.get();
    curl_easy_reset(h);  // keeps live connections, TLS session and DNS caches
    const bool absolute = request.path.rfind("https://", 0) == 0 || request.path.rfind("http://", 0) == 0;
    const std::string url = absolute ? request.path : o_.base_url + request.path;
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");  // http only reaches here for loopback
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "dcvkit/" DCVKIT_VERSION);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    // Our floor, whatever the system's OpenSSL configuration allows (Debian's still lets a client
    // negotiate TLS 1.0/1.1 when the server offers nothing newer).
    curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!o_.ca_bundle.empty()) {
      // Added to the system's CAs (kept through CAPATH), not instead of them.
      curl_easy_setopt(h, CURLOPT_CAINFO, o_.ca_bundle.c_str());
      if (!capath_.empty()) curl_easy_setopt(h, CURLOPT_CAPATH, capath_.c_str());
    }
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o_.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o_.timeout_ms);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);
    if (request.fresh_connection) curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);

    std::string key_header = o_.api_key.empty() ? std::string("Expect:") : o_.key_header + ": " + std::string(o_.api_key.view());
    curl::Slist headers(curl_slist_append(nullptr, key_header.c_str()));
    OPENSSL_cleanse(key_header.data(), key_header.size());
    curl_slist* tail = headers.get();
    const bool has_body = request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    for (const std::string& line : {"Accept: " + request.accept, std::string("Expect:"),
                                    has_body ? "Content-Type: " + request.content_type : std::string()}) {
      if (!line.empty() && tail) tail = curl_slist_append(tail, line.c_str());
    }
    if (!tail) {
      reply.failure = TransportFailure::Other;
      reply.error = "out of memory";
      return reply;
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    if (request.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      if (has_body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      }
    }

    if (o_.wire_log) {
      o_.wire_log("> " + request.method + " " + url + (request.fresh_connection ? "  (new connection)" : ""));
      if (!o_.api_key.empty()) o_.wire_log("> " + o_.key_header + ": [redacted]");
      log_body(o_.wire_log, '>', request.body, o_.api_key.view());
    }
    const auto started = std::chrono::steady_clock::now();
    const CURLcode code = curl_easy_perform(h);
    reply.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
    classify(code, error, ex.too_large, reply);
    if (o_.wire_log) {
      long connects = 0;
      curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
      const std::string timing = " (" + std::to_string(static_cast<long long>(reply.elapsed_ms)) + " ms, " +
                                 (connects > 0 ? "new connection" : "connection reused") + ")";
      if (reply.failure == TransportFailure::None)
        o_.wire_log("< " + std::to_string(reply.status) + timing);
      else
        o_.wire_log("< " + std::string(to_string(reply.failure)) + ": " + reply.error + timing);
      log_body(o_.wire_log, '<', reply.body, o_.api_key.view());
    }
    return reply;
  }

 private:
  // Whether the request can have left: once curl is past connecting (pretransfer) or reports
  // bytes of the request written, assume the server may have seen all of it.
  bool may_have_sent() const {
    curl_off_t pretransfer = 0;
    long request_size = 0;
    curl_easy_getinfo(easy_.get(), CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
    curl_easy_getinfo(easy_.get(), CURLINFO_REQUEST_SIZE, &request_size);
    return pretransfer > 0 || request_size > 0;
  }

  void classify(CURLcode code, const char* error, bool too_large, HttpReply& reply) const {
    if (code == CURLE_OK) return;
    reply.error = error[0] ? error : curl_easy_strerror(code);
    if (too_large) {
      reply.failure = TransportFailure::TooLarge;
      reply.error = "the answer is larger than 16 MiB";
      reply.maybe_sent = true;  // an answer was arriving: the request reached the server
      return;
    }
    switch (code) {
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_BAD_FUNCTION_ARGUMENT:
      case CURLE_NOT_BUILT_IN:
        reply.failure = TransportFailure::Local;
        return;
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_COULDNT_CONNECT:
        reply.failure = TransportFailure::NotSent;
        return;
      case CURLE_PEER_FAILED_VERIFICATION:
        // libcurl checks the name itself after OpenSSL accepted the chain; its texts are stable.
        reply.failure = reply.error.find("target host name") != std::string::npos ? TransportFailure::TlsHostMismatch
                                                                                    : TransportFailure::TlsVerify;
        return;
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      case CURLE_SSL_CRL_BADFILE:
        reply.failure = TransportFailure::TlsVerify;
        return;
      case CURLE_SSL_CONNECT_ERROR:
        // OpenSSL's "unsupported protocol" (the server chose an old version) or the server's
        // "protocol version" alert (it has nothing newer than what we refuse).
        reply.failure = reply.error.find("protocol version") != std::string::npos ||
                                reply.error.find("unsupported protocol") != std::string::npos
                            ? TransportFailure::TlsProtocol
                            : TransportFailure::TlsHandshake;
        reply.maybe_sent = reply.status != 0;
        return;
      case CURLE_OPERATION_TIMEDOUT:
        reply.failure = TransportFailure::Timeout;
        break;
      case CURLE_GOT_NOTHING:
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR:
      case CURLE_PARTIAL_FILE:
      case CURLE_HTTP2:
      case CURLE_HTTP2_STREAM:
        reply.failure = TransportFailure::ConnectionLost;
        break;
      default:
        reply.failure = TransportFailure::Other;
        break;
    }
    reply.maybe_sent = reply.status != 0 || code == CURLE_GOT_NOTHING || may_have_sent();
  }

  TransportOptions o_;
  curl::Easy easy_;
  std::string capath_;
};

}  // namespace

std::string_view to_string(TransportFailure failure) {
  switch (failure) {
    case TransportFailure::None: return "none";
    case TransportFailure::NotSent: return "connect failed";
    case TransportFailure::TlsHandshake: return "TLS handshake failed";
    case TransportFailure::TlsVerify: return "TLS certificate not trusted";
    case TransportFailure::TlsHostMismatch: return "TLS certificate is for another host name";
    case TransportFailure::TlsProtocol: return "TLS version refused";
    case TransportFailure::Timeout: return "timed out";
    case TransportFailure::ConnectionLost: return "connection lost";
    case TransportFailure::TooLarge: return "answer too large";
    case TransportFailure::Local: return "request cannot be made";
    case TransportFailure::Other: return "transfer failed";
  }
  return "transfer failed";
}

Result<std::unique_ptr<Transport>> make_curl_transport(TransportOptions options) {
  // Checked here too, not only by Client::connect: no path may send the key over plain http to
  // anything but this machine.
  if (auto url = resolve_api_url(options.base_url); !url) return url.error();
  if (!curl::global_init()) return make_error(ErrorKind::Internal, "internal.curl", "libcurl failed to initialise");
  curl::Easy easy(curl_easy_init());
  if (!easy) return make_error(ErrorKind::Internal, "internal.curl", "libcurl failed to make a handle");
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  std::string capath = info && info->capath ? info->capath : "";
  return std::unique_ptr<Transport>(new CurlTransport(std::move(options), std::move(easy), std::move(capath)));
}

}  // namespace dcvkit::certcentral
