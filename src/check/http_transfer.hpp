// One GET of one URL, set up the way the CA fetches it: no redirect followed by curl, no
// certificate check, no proxy, no cookies, no HSTS upgrade; the connection pinned by
// CURLOPT_CONNECT_TO (to the address the probe resolved, or --connect-address); the body cut where
// the probe stops reading.
#pragma once

#include <curl/curl.h>

#include <string>

#include "check/curl_handles.hpp"
#include "dcvkit/check_http.hpp"

namespace dcvkit {

struct HttpResponse {
  long status = 0;          // 0: no status line arrived
  std::string location;     // the raw Location header, when there was one
  std::string error;        // curl's text when the transfer failed (a deliberate cut is no failure)
  bool timed_out = false;
  bool connected = false;   // the TCP connection was made (tells a slow server from an absent one)
  std::string address;      // the IP address connected to (or tried), when curl knows it
  std::string body, beyond;
};

class HttpTransfer {
 public:
  // `owner` is stored as CURLOPT_PRIVATE. Check ready() before adding easy() to a multi handle.
  // `address`: connect there for `host` (empty: libcurl resolves it, IPv4 only).
  HttpTransfer(const HttpProbeOptions& options, const std::string& url, const std::string& host,
               const std::string& address, void* owner);
  HttpTransfer(const HttpTransfer&) = delete;  // curl holds pointers into this object
  HttpTransfer& operator=(const HttpTransfer&) = delete;

  bool ready() const { return ready_; }
  CURL* easy() const { return easy_.get(); }
  // After the multi handle reported the transfer done with `code` (and it was removed from it).
  HttpResponse finish(CURLcode code);

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  template <class T>
  void set(CURLoption option, T value);

  curl::Easy easy_;
  curl::Slist connect_to_;
  char error_[CURL_ERROR_SIZE] = {};
  std::size_t body_limit_, read_limit_;
  std::string body_, beyond_;
  bool ready_ = true;
  bool judged_ = false;     // the status was looked at, on the first piece of body
  bool cut_ = false;        // stopped reading at read_limit_ on purpose
  bool discarded_ = false;  // not a 2xx: its body is of no interest
};

}  // namespace dcvkit
