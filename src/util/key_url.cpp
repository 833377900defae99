#include "util/key_url.hpp"

#include <arpa/inet.h>

namespace dcvkit {

bool is_loopback_host(std::string host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

KeyUrl check_key_url(std::string url, std::string_view schemes) {
  KeyUrl out;
  while (!url.empty() && url.back() == '/') url.pop_back();
  for (char c : url)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      out.problem = "the URL contains spaces or control characters";
      return out;
    }
  const bool https = url.rfind("https://", 0) == 0;
  out.plain_http = url.rfind("http://", 0) == 0;
  if (!https && !out.plain_http) {
    out.problem = "'" + url.substr(0, 60) + "' is not an " + std::string(schemes) + " URL";
    return out;
  }
  const std::string rest = url.substr(https ? 8 : 7);
  const std::string authority = rest.substr(0, rest.find('/'));
  if (authority.empty() || authority.find_first_of("@?#") != std::string::npos) {
    out.problem = "the URL has no host, or has user info, a query or a fragment";
    return out;
  }
  out.host = authority;
  if (out.host.front() == '[') {
    out.host.resize(out.host.find(']') + 1);
  } else if (auto colon = out.host.rfind(':'); colon != std::string::npos) {
    out.host.resize(colon);
  }
  // A DNS name has at most 253 characters: a longer host is a local mistake that no retry fixes.
  if (out.host.size() > 253) {
    out.problem = "the host name has " + std::to_string(out.host.size()) + " characters (at most 253)";
    return out;
  }
  out.url = std::move(url);
  return out;
}

bool header_safe_key(std::string_view key) {
  for (char c : key)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) return false;
  return true;
}

}  // namespace dcvkit
