#include "check/registrable_domain.hpp"

#include <arpa/inet.h>
#include <libpsl.h>

#include <cstring>

#include "util/strings.hpp"

namespace dcvkit {
namespace {

const psl_ctx_t* psl_context() {
  // psl_latest prefers the system list (/usr/share/publicsuffix) when newer than the built-in one;
  // it is loaded once and kept for the life of the process.
  static const psl_ctx_t* const ctx = [] {
    const psl_ctx_t* c = psl_latest(nullptr);
    return c != nullptr ? c : psl_builtin();
  }();
  return ctx;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1;
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

std::string canonical_host(std::string_view host) {
  std::string h = detail::ascii_lower(host);
  while (!h.empty() && h.back() == '.') h.pop_back();
  return h;
}

std::string registrable_domain(std::string_view host) {
  std::string h = canonical_host(host);
  // libpsl would happily call "0.1" the registrable domain of 127.0.0.1.
  if (h.empty() || is_ip_literal(h)) return h;
  const psl_ctx_t* ctx = psl_context();
  const char* r = ctx != nullptr ? psl_registrable_domain(ctx, h.c_str()) : nullptr;
  return r != nullptr ? std::string(r) : h;
}

bool is_public_suffix(std::string_view host) {
  const std::string h = canonical_host(host);
  if (h.empty() || is_ip_literal(h)) return false;
  const psl_ctx_t* ctx = psl_context();
  return ctx != nullptr && psl_is_public_suffix(ctx, h.c_str()) != 0;
}

}  // namespace dcvkit
