// The API client's TLS policy, against real TLS servers on loopback: plain http only to this
// machine (refused before any connection otherwise), nothing below TLS 1.2 even when the system's
// OpenSSL configuration would allow it, and a certificate for another host name is refused before
// the request — and so the API key — is sent.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <atomic>
#include <thread>

#include "dcvkit/certcentral.hpp"
#include "support/loopback.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"
#include "support/tls_server.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::test;

constexpr const char* kApiKey = "TLSPOLICYapikey0123456789abcdef";
constexpr const char* kAuthKeyBody = R"({"auth_key_id": 7, "auth_key": "abc"})";

// Something that would notice a connection: a listener on 127.0.0.1 that accepts and closes,
// counting. Used as every proxy variable's target, so a client that connects anywhere over
// plain http comes here instead of leaving the machine.
class ConnectionTrap {
 public:
  ConnectionTrap() {
    fd_ = test::listen_loopback("ConnectionTrap", port_);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        ++accepted_;
        ::close(c);
      }
    });
  }
  ~ConnectionTrap() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  ConnectionTrap(const ConnectionTrap&) = delete;
  ConnectionTrap& operator=(const ConnectionTrap&) = delete;
  int accepted() const { return accepted_.load(); }
  std::string proxy() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

RunOptions with_proxy_trap(const ConnectionTrap& trap) {
  RunOptions o;
  o.env["DCVKIT_API_KEY"] = kApiKey;
  for (const char* v : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
    o.env[v] = trap.proxy();
  o.env["no_proxy"] = std::nullopt;
  o.env["NO_PROXY"] = std::nullopt;
  return o;
}

std::unique_ptr<certcentral::Client> client_for(const std::string& url, const std::string& ca_bundle) {
  certcentral::ClientOptions o;
  o.base_url = url;
  o.api_key = Secret(kApiKey);
  o.ca_bundle = ca_bundle;
  o.connect_timeout_ms = 3000;
  o.timeout_ms = 5000;
  auto c = certcentral::Client::connect(std::move(o));
  EXPECT_TRUE(c.ok()) << (c ? "" : c.error().message);
  return c ? std::move(c.value()) : nullptr;
}

// The error of one API call to `server`, which must fail.
Error get_auth_key_error(const TlsServer& server) {
  auto client = client_for(server.url(), server.ca_file());
  if (!client) return make_error(ErrorKind::Internal, "test.no_client", "no client");
  auto r = client->get_auth_key();
  EXPECT_FALSE(r.ok());
  return r ? make_error(ErrorKind::Internal, "test.succeeded", "the call succeeded") : r.error();
}

TEST(TlsPolicy, PlainHttpIsAcceptedOnlyForLoopbackHosts) {
  for (const char* ok : {"http://127.0.0.1:8080/services/v2", "http://127.9.9.9/x", "http://[::1]:80/services/v2",
                         "http://localhost:1/services/v2", "https://www.digicert.com/services/v2"})
    EXPECT_TRUE(certcentral::resolve_api_url(ok).ok()) << ok;
  for (const char* bad : {"http://example.invalid/services/v2", "http://127.0.0.1.example.com/services/v2",
                          "http://localhost.example.com/", "http://0x7f000001/services/v2", "http://[::ffff:10.0.0.1]/",
                          "http://10.0.0.1/services/v2", "http://www.digicert.com/services/v2"}) {
    auto r = certcentral::resolve_api_url(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "api.insecure_url") << bad;
  }
}

TEST(TlsPolicy, PlainHttpToAnotherHostFailsBeforeAnyConnection) {
  // The library refuses at both entry points: the client, and the transport on its own.
  certcentral::ClientOptions o;
  o.base_url = "http://example.invalid/services/v2";
  o.api_key = Secret(kApiKey);
  auto client = certcentral::Client::connect(std::move(o));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, "api.insecure_url");
  certcentral::TransportOptions t;
  t.base_url = "http://example.invalid/services/v2";
  t.api_key = Secret(kApiKey);
  auto transport = certcentral::make_curl_transport(std::move(t));
  ASSERT_FALSE(transport.ok());
  EXPECT_EQ(transport.error().code, "api.insecure_url");

  // The command: every proxy variable points at the trap, so any attempt to connect would land there.
  ConnectionTrap trap;
  auto r = run_dcvkit({"order", "list", "--api-url", "http://example.invalid/services/v2", "--api-retries", "0", "--json"},
                      with_proxy_trap(trap));
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.all().find("api.insecure_url"), std::string::npos) << r.all();
  EXPECT_NE(r.all().find("unencrypted"), std::string::npos) << r.all();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(trap.accepted(), 0) << "a connection was attempted";

  // The trap works: a loopback http URL is allowed and its connection goes to the proxy.
  auto control = run_dcvkit({"order", "list", "--api-url", "http://127.0.0.2:9/services/v2", "--api-retries", "0",
                             "--api-timeout", "3", "--json"},
                            with_proxy_trap(trap));
  EXPECT_EQ(control.exit_code, 14) << control.all();
  for (int i = 0; i < 40 && trap.accepted() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_GE(trap.accepted(), 1);
}

TEST(TlsPolicy, ServerOfferingOnlyTls11IsRefusedWithAClearError) {
  TlsServerOptions o;
  o.ip_addresses = {"127.0.0.1"};
  o.max_version = TLS1_1_VERSION;
  o.body = kAuthKeyBody;
  TlsServer server(o);
  const Error r = get_auth_key_error(server);
  EXPECT_EQ(r.code, "api.tls_too_old") << r.message;
  EXPECT_NE(r.message.find("below 1.2"), std::string::npos) << r.message;
  EXPECT_EQ(server.connections(), 1) << "a protocol refusal is final, not retried";
  EXPECT_EQ(server.handshakes(), 0);
  EXPECT_EQ(server.requests(), 0);
}

TEST(TlsPolicy, Tls12FloorHoldsEvenWhenTheSystemConfigurationAllowsTls10) {
  TempDir dir;
  // What an old or loosened /etc/ssl/openssl.cnf may say: TLS 1.0 and SHA-1 allowed.
  const std::string conf = dir.write("openssl.cnf",
                                     "openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n"
                                     "[ssl_sect]\nsystem_default = system_default_sect\n"
                                     "[system_default_sect]\nMinProtocol = TLSv1\nCipherString = DEFAULT@SECLEVEL=0\n");
  TlsServerOptions o;
  o.ip_addresses = {"127.0.0.1"};
  o.max_version = TLS1_1_VERSION;
  o.body = kAuthKeyBody;
  TlsServer server(o);
  RunOptions env;
  env.env["DCVKIT_API_KEY"] = kApiKey;
  env.env["OPENSSL_CONF"] = conf;
  auto r = run_dcvkit({"authkey", "show", "--api-url", server.url(), "--ca-bundle", server.ca_file(), "--json"}, env);
  EXPECT_EQ(r.exit_code, 14) << r.all();
  EXPECT_NE(r.all().find("api.tls_too_old"), std::string::npos) << r.all();
  EXPECT_NE(r.all().find("TLS 1.2 or later"), std::string::npos) << r.all();
  EXPECT_EQ(server.requests(), 0);

  // The same client and configuration with a TLS 1.2 server: the policy, not the setup, refused.
  o.max_version = TLS1_2_VERSION;
  TlsServer modern(o);
  auto ok = run_dcvkit({"authkey", "show", "--api-url", modern.url(), "--ca-bundle", modern.ca_file(), "--json"}, env);
  EXPECT_EQ(ok.exit_code, 0) << ok.all();
  EXPECT_EQ(modern.requests(), 1);
}

TEST(TlsPolicy, CertificateForAnotherHostNameIsRefusedBeforeTheKeyIsSent) {
  TlsServerOptions o;
  o.dns_names = {"api.other.test"};  // trusted CA, right address, wrong name
  o.body = kAuthKeyBody;
  TlsServer server(o);
  const Error r = get_auth_key_error(server);
  EXPECT_EQ(r.code, "api.tls_wrong_host") << r.message;
  EXPECT_NE(r.message.find("127.0.0.1"), std::string::npos) << r.message;
  EXPECT_EQ(server.requests(), 0);
  EXPECT_EQ(server.received().find(kApiKey), std::string::npos);
  EXPECT_EQ(server.connections(), 1) << "a name mismatch is final, not retried";

  // The command says the same, with its exit code for TLS failures.
  RunOptions env;
  env.env["DCVKIT_API_KEY"] = kApiKey;
  auto cli = run_dcvkit({"authkey", "show", "--api-url", server.url(), "--ca-bundle", server.ca_file()}, env);
  EXPECT_EQ(cli.exit_code, 14) << cli.all();
  EXPECT_NE(cli.all().find("another host name"), std::string::npos) << cli.all();

  // The control: the same CA and server setup with the address in the certificate works.
  TlsServerOptions right = o;
  right.dns_names.clear();
  right.ip_addresses = {"127.0.0.1"};
  TlsServer good(right);
  auto good_client = client_for(good.url(), good.ca_file());
  ASSERT_TRUE(good_client);
  auto info = good_client->get_auth_key();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info.value().id, 7);
  EXPECT_NE(good.received().find(std::string("X-DC-DEVKEY: ") + kApiKey), std::string::npos);
}

}  // namespace
