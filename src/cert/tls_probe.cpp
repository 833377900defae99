// What a server actually serves: one TLS handshake with SNI, the chain it sent, and whether that
// chain verifies for the name (reported, not enforced: an expired or self-signed certificate is
// exactly what `cert expiry` must be able to show).
#include <fcntl.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "cert/x509_util.hpp"
#include "dcvkit/cert_tools.hpp"

namespace dcvkit::cert {
namespace {

using SslCtx = std::unique_ptr<SSL_CTX, FreeWith<SSL_CTX_free>>;
using Ssl = std::unique_ptr<SSL, FreeWith<SSL_free>>;
using AddrInfo = std::unique_ptr<addrinfo, FreeWith<freeaddrinfo>>;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

bool is_address(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

Error network(std::string code, const Endpoint& e, const std::string& why, std::string hint = {}) {
  return make_error(ErrorKind::Network, std::move(code), e.host + ":" + std::to_string(e.port) + ": " + why, std::move(hint));
}

// A socket connected within the timeout (non-blocking connect), then blocking with I/O timeouts.
Result<int> connect_within(const Endpoint& e, int timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string where = e.connect_address.empty() ? e.host : e.connect_address;
  const std::string port = std::to_string(e.port);
  if (int rc = getaddrinfo(where.c_str(), port.c_str(), &hints, &found); rc != 0)
    return network("cert.connect_failed", e, std::string("cannot resolve '") + where + "': " + gai_strerror(rc));
  AddrInfo list(found);
  std::string last = "no address";
  for (const addrinfo* a = list.get(); a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    Fd owner(fd);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = std::strerror(errno);
      continue;
    }
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, timeout_ms) != 1) {
      last = "timed out after " + std::to_string(timeout_ms) + " ms";
      continue;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      last = std::strerror(err ? err : errno);
      continue;
    }
    timeval tv{timeout_ms / 1000, static_cast<suseconds_t>(timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    // Back to blocking: the handshake relies on the I/O timeouts above.
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) continue;
    return owner.release();
  }
  return network("cert.connect_failed", e, "cannot connect: " + last, "is the host and port right, and does it listen?");
}

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view text) {
  Endpoint e;
  std::string_view host = text, port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return cert_detail::invalid("cert.bad_endpoint", "'" + std::string(text) + "': no closing ']'");
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return cert_detail::invalid("cert.bad_endpoint", "'" + std::string(text) + "': ':' expected after ']'");
      port = text.substr(close + 2);
    }
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty() || host.find_first_of(" \t/") != std::string_view::npos)
    return cert_detail::invalid("cert.bad_endpoint", "'" + std::string(text) + "' is not HOST or HOST:PORT", "e.g. www.example.com:443");
  e.host = std::string(host);
  if (!port.empty() || text.back() == ':') {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return cert_detail::invalid("cert.bad_endpoint", "'" + std::string(text) + "': the port must be 1-65535");
    e.port = static_cast<std::uint16_t>(value);
  }
  return e;
}

Result<ServedChain> fetch_served_chain(const Endpoint& e, int timeout_ms, const std::string& ca_file) {
  SslCtx ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return cert_detail::openssl_failure("cannot set up TLS");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  const int loaded = ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx.get())
                                     : SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr);
  if (loaded != 1)
    return cert_detail::invalid("cert.bad_ca_file", "cannot read trust anchors from '" + ca_file + "': " + ossl::last_error(),
                                "--ca-file wants PEM certificates");
  // Verified and reported, not enforced: the handshake must finish to show what is served.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  auto fd = connect_within(e, timeout_ms);
  if (!fd) return fd.error();
  Fd sock(*fd);
  Ssl ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), sock.get()) != 1) return cert_detail::openssl_failure("cannot set up TLS");
  if (!is_address(e.host)) SSL_set_tlsext_host_name(ssl.get(), e.host.c_str());
  if (is_address(e.host) ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), e.host.c_str()) != 1
                         : SSL_set1_host(ssl.get(), e.host.c_str()) != 1)
    return cert_detail::openssl_failure("cannot set the name to verify");
  if (SSL_connect(ssl.get()) != 1)
    return network("cert.tls_failed", e, "TLS handshake failed: " + ossl::last_error(), "does this port speak TLS?");
  ServedChain out;
  out.tls_version = SSL_get_version(ssl.get());
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl.get());
  for (int i = 0; chain && i < sk_X509_num(chain); ++i) out.certs.push_back(cert_detail::to_der(sk_X509_value(chain, i)));
  const long verify = SSL_get_verify_result(ssl.get());
  if (verify != X509_V_OK) out.verify_error = X509_verify_cert_error_string(verify);
  SSL_shutdown(ssl.get());
  ERR_clear_error();
  if (out.certs.empty()) return network("cert.tls_failed", e, "the server sent no certificate");
  return out;
}

}  // namespace dcvkit::cert
