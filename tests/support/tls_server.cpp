#include "support/tls_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>

#include <csignal>
#include <filesystem>
#include <stdexcept>

#include "support/csr_fixtures.hpp"
#include "support/loopback.hpp"
#include "util/openssl_ptr.hpp"

namespace dcvkit::test {
namespace {

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("TlsServer: ") + what + ": " + ossl::last_error());
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX v3{};
  X509V3_set_ctx(&v3, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
  require(ext != nullptr, "extension");
  require(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

// A certificate for `cn` with `key`, signed by `issuer_key` (self-signed when issuer is null).
ossl::X509Ptr make_cert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                        const std::string& san) {
  ossl::X509Ptr cert(X509_new());
  require(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  static std::atomic<long> serial{1};
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  require(X509_set_pubkey(cert.get(), key) == 1, "set_pubkey");
  X509* signer = issuer ? issuer : cert.get();
  add_ext(cert.get(), signer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(cert.get(), signer, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  if (!ca) add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
  if (!san.empty()) add_ext(cert.get(), signer, NID_subject_alt_name, san);
  add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  require(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

void write_pem(const std::string& path, X509* cert) {
  ossl::Bio bio(BIO_new_file(path.c_str(), "w"));
  require(bio && PEM_write_bio_X509(bio.get(), cert) == 1, "write CA file");
}

}  // namespace

TlsServer::TlsServer(TlsServerOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/dcvkit-tls-XXXXXX";
  require(::mkdtemp(tmpl) != nullptr, "mkdtemp");
  dir_ = tmpl;
  ca_file_ = dir_ + "/ca.pem";

  EVP_PKEY* ca_key = fixture_key(FixtureKey::P256);
  EVP_PKEY* leaf_key = fixture_key(FixtureKey::P384);
  auto ca = make_cert("dcvkit TLS test CA", ca_key, nullptr, ca_key, true, "");
  std::string san;
  for (const auto& n : options_.dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + n;
  for (const auto& a : options_.ip_addresses) san += (san.empty() ? "" : ",") + std::string("IP:") + a;
  auto leaf = make_cert("dcvkit TLS test server", leaf_key, ca.get(), ca_key, false, san);
  write_pem(ca_file_, ca.get());

  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  require(ctx != nullptr, "SSL_CTX_new");
  ctx_ = ctx;
  require(SSL_CTX_use_certificate(ctx, leaf.get()) == 1 && SSL_CTX_use_PrivateKey(ctx, leaf_key) == 1, "use cert");
  if (options_.max_version != 0) {
    // TLS 1.0/1.1 sign with SHA-1, which OpenSSL 3 allows only at security level 0.
    SSL_CTX_set_security_level(ctx, 0);
    require(SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0") == 1, "cipher list");
    require(SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) == 1, "min version");
    require(SSL_CTX_set_max_proto_version(ctx, options_.max_version) == 1, "max version");
  }

  listen_fd_ = listen_loopback("TlsServer", port_);
  require(::pipe2(wake_, O_CLOEXEC) == 0, "pipe");
  // A refusing client hangs up mid-handshake; OpenSSL's next write must fail, not kill the tests.
  ::signal(SIGPIPE, SIG_IGN);
  thread_ = std::thread([this] { serve(); });
}

TlsServer::~TlsServer() {
  if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
  if (thread_.joinable()) thread_.join();
  for (int fd : {listen_fd_, wake_[0], wake_[1]})
    if (fd >= 0) ::close(fd);
  SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string TlsServer::url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/services/v2"; }

std::string TlsServer::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

void TlsServer::serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    handle(fd);
    ::close(fd);
  }
}

// One request per connection, answered with Connection: close; a client that gives up during the
// handshake (as a refusing one does) just ends this connection.
void TlsServer::handle(int fd) {
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ctx_));
  if (!ssl) return;
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) == 1) {
    ++handshakes_;
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 1024 * 1024) {
      const int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    if (request.find("\r\n\r\n") != std::string::npos) {
      ++requests_;
      const std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                                 std::to_string(options_.body.size()) + "\r\n\r\n" + options_.body;
      SSL_write(ssl, answer.data(), static_cast<int>(answer.size()));
    }
    {
      std::lock_guard lock(mutex_);
      received_ += request;
    }
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
}

}  // namespace dcvkit::test
