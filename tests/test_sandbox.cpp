// dcvkit-sandbox end to end: the real executable over HTTPS (libcurl, verification on against its
// ca-bundle.pem), validating real tokens on real BIND and nginx servers, signing real certificates
// that OpenSSL verifies; faults seen from a raw socket; restarts, signals and logs.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "dcvkit/csr.hpp"
#include "dcvkit/token.hpp"
#include "support/csr_fixtures.hpp"
#include "support/dns_fixture.hpp"
#include "support/nginx_server.hpp"
#include "support/run.hpp"
#include "support/loopback.hpp"
#include "support/sandbox_server.hpp"
#include "support/temp_dir.hpp"
#include "util/openssl_ptr.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::test;
using json = nlohmann::json;
using Reply = SandboxServer::Reply;
using SteadyClock = std::chrono::steady_clock;

std::string new_csr(const std::string& common_name) {
  CsrRequest request;
  request.common_name = common_name;
  return generate_csr(request)->csr_pem;
}

// A token made a minute ago (the CA refuses future timestamps).
std::string token_for(const std::string& auth_key, const std::string& csr) {
  return *compute_token(auth_key, csr, system_clock().now() - 60);
}

// A sandbox that validates nothing real: its resolver is a closed port.
SandboxOptions offline(const std::function<void(SandboxOptions&)>& change = {}) {
  SandboxOptions options;
  options.resolver = "127.0.0.1:1";
  if (change) change(options);
  return options;
}

json parsed(const Reply& r) { return json::parse(r.body, nullptr, false); }

std::string error_code(const Reply& r) {
  const auto j = parsed(r);
  if (!j.is_object() || !j.contains("errors") || j["errors"].empty()) return "(no error envelope: " + r.body + ")";
  return j["errors"][0].value("code", "");
}

std::string error_message(const Reply& r) {
  const auto j = parsed(r);
  return j.is_object() && j.contains("errors") && !j["errors"].empty() ? j["errors"][0].value("message", "") : "";
}

json order_body(const std::string& csr, const std::string& common_name, const std::vector<std::string>& dns_names,
                const std::string& method, bool use_auth_key) {
  return {{"certificate", {{"common_name", common_name}, {"dns_names", dns_names}, {"csr", csr}, {"signature_hash", "sha256"},
                           {"server_platform", {{"id", -1}}}}},
          {"order_validity", {{"days", 90}}},
          {"dcv_method", method},
          {"use_auth_key", use_auth_key},
          {"skip_approval", true},
          {"payment_method", "balance"}};
}

Reply place_order(const SandboxServer& sb, const json& body, const std::string& product = "ssl_dv_geotrust") {
  return sb.call("POST", "/order/certificate/" + product, body.dump());
}

std::string create_auth_key(const SandboxServer& sb) {
  const auto r = sb.call("POST", "/account/auth-key");
  if (r.status != 200) throw std::runtime_error("auth key: " + r.body);
  return parsed(r)["auth_key"].get<std::string>();
}

ossl::X509Ptr x509(const std::string& pem) {
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return ossl::X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

ossl::X509Req x509_req(const std::string& pem) {
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return ossl::X509Req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
}

// OpenSSL's own verdict on leaf <- intermediate <- root (strict X.509, purpose sslserver):
// "" when it verifies.
std::string verify_chain(const std::string& leaf_pem, const std::string& intermediate_pem, const std::string& root_pem) {
  auto leaf = x509(leaf_pem), intermediate = x509(intermediate_pem), root = x509(root_pem);
  if (!leaf || !intermediate || !root) return "a PEM does not parse";
  std::unique_ptr<X509_STORE, FreeWith<X509_STORE_free>> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), root.get());
  std::unique_ptr<STACK_OF(X509), FreeWith<[](STACK_OF(X509)* s) { sk_X509_free(s); }>> untrusted(sk_X509_new_null());
  sk_X509_push(untrusted.get(), intermediate.get());
  std::unique_ptr<X509_STORE_CTX, FreeWith<X509_STORE_CTX_free>> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get());
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_X509_STRICT);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  if (X509_verify_cert(ctx.get()) == 1) return "";
  return X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
}

std::vector<std::string> dns_sans(const X509* cert) {
  std::vector<std::string> out;
  ossl::GeneralNames names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    if (n->type == GEN_DNS)
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                       static_cast<std::size_t>(ASN1_STRING_length(n->d.dNSName)));
  }
  return out;
}

std::string subject_cn(const X509* cert) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return buf;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Every property the contract promises of an issued chain for `csr` and `names` (CN first).
void expect_valid_chain(const json& chain, const std::string& csr, const std::vector<std::string>& names) {
  ASSERT_TRUE(chain.is_array());
  ASSERT_EQ(chain.size(), 3u) << chain.dump();
  const std::string leaf_pem = chain[0]["pem"], intermediate_pem = chain[1]["pem"], root_pem = chain[2]["pem"];
  EXPECT_EQ(verify_chain(leaf_pem, intermediate_pem, root_pem), "");
  auto leaf = x509(leaf_pem), intermediate = x509(intermediate_pem), root = x509(root_pem);
  ASSERT_TRUE(leaf && intermediate && root);
  EXPECT_EQ(chain[0]["subject_common_name"], names.front());
  EXPECT_EQ(chain[1]["subject_common_name"], subject_cn(intermediate.get()));
  EXPECT_EQ(chain[2]["subject_common_name"], subject_cn(root.get()));
  EXPECT_EQ(subject_cn(leaf.get()), names.front());
  EXPECT_EQ(dns_sans(leaf.get()), names);
  auto req = x509_req(csr);
  ASSERT_TRUE(req);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(leaf.get()), X509_REQ_get0_pubkey(req.get())), 1) << "leaf key is not the CSR's";
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  EXPECT_TRUE(X509_get_key_usage(leaf.get()) & KU_DIGITAL_SIGNATURE);
  EXPECT_TRUE(X509_get_extended_key_usage(leaf.get()) & XKU_SSL_SERVER);
  EXPECT_NE(X509_get0_subject_key_id(leaf.get()), nullptr);
  EXPECT_NE(X509_get0_authority_key_id(leaf.get()), nullptr);
  EXPECT_EQ(X509_check_ca(intermediate.get()), 1);
  EXPECT_EQ(X509_get_pathlen(intermediate.get()), 0);
  EXPECT_TRUE(X509_get_extension_flags(root.get()) & EXFLAG_SS) << "root is not self-signed";
  EXPECT_EQ(X509_check_ca(root.get()), 1);
  // The validity asked for (90 days), starting a minute ago.
  time_t now = std::time(nullptr);
  int days = 0, seconds = 0;
  ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(leaf.get()), X509_get0_notAfter(leaf.get()));
  EXPECT_EQ(days, 90);
  EXPECT_LE(X509_cmp_time(X509_get0_notBefore(leaf.get()), &now), 0);
}

// ----------------------------------------------------------------------------------------------
// The API without a DNS/HTTP world: keys, products, AuthKeys, errors, pending orders, lists.

class SandboxApi : public ::testing::Test {
 protected:
  SandboxServer sb{offline()};
  const std::string csr = new_csr("api.example.test");
};

TEST_F(SandboxApi, MissingOrUnknownApiKeyIs401) {
  auto none = sb.call_without_key("GET", "/product");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(error_code(none), "invalid_api_key");
  auto wrong = sb.call("GET", "/product", "", std::string(40, '0'));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(error_code(wrong), "invalid_api_key");
  EXPECT_EQ(sb.call_without_key("GET", "/sandbox/stats").status, 401);
  EXPECT_EQ(sb.call("GET", "/product").status, 200);
  EXPECT_TRUE(std::regex_match(sb.api_key(), std::regex("[0-9a-f]{40}"))) << sb.api_key();
}

TEST_F(SandboxApi, ListsTheDvProducts) {
  auto r = sb.call("GET", "/product");
  ASSERT_EQ(r.status, 200) << r.body;
  std::set<std::string> ids;
  const auto products = parsed(r);
  for (const auto& p : products["products"]) {
    ids.insert(p["name_id"].get<std::string>());
    EXPECT_EQ(p["type"], "ssl_certificate");
    EXPECT_FALSE(p["name"].get<std::string>().empty());
  }
  EXPECT_EQ(ids, (std::set<std::string>{"ssl_dv_geotrust", "ssl_dv_rapidssl", "ssl_dv_geotrust_flex", "wildcard_dv_geotrust",
                                        "wildcard_dv_rapidssl", "cloud_dv_geotrust"}));
}

TEST_F(SandboxApi, AuthKeyCreateOnceGetDelete) {
  EXPECT_EQ(error_code(sb.call("GET", "/account/auth-key")), "not_found|auth_key");
  auto created = sb.call("POST", "/account/auth-key");
  ASSERT_EQ(created.status, 200) << created.body;
  const auto key = parsed(created);
  EXPECT_TRUE(std::regex_match(key["auth_key"].get<std::string>(), std::regex("[0-9a-z]{32}"))) << created.body;
  EXPECT_TRUE(key["auth_key_id"].is_number_integer());

  auto again = sb.call("POST", "/account/auth-key");
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(error_code(again), "auth_key_exists_for_account");
  auto got = sb.call("GET", "/account/auth-key");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(parsed(got), key);

  const auto start = SteadyClock::now();
  auto deleted = sb.call("DELETE", "/account/auth-key");  // no body, no Content-Length: must not wait for one
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_LT(std::chrono::duration<double>(SteadyClock::now() - start).count(), 2.0);
  EXPECT_EQ(sb.call("GET", "/account/auth-key").status, 404);
  EXPECT_EQ(error_code(sb.call("DELETE", "/account/auth-key")), "not_found|auth_key");

  auto fresh = sb.call("POST", "/account/auth-key");
  ASSERT_EQ(fresh.status, 200);
  EXPECT_NE(parsed(fresh)["auth_key"], key["auth_key"]);
  EXPECT_NE(parsed(fresh)["auth_key_id"], key["auth_key_id"]);
  EXPECT_EQ(sb.stats()["auth_keys"], 1);
}

TEST_F(SandboxApi, UnknownRoutesBadJsonAndUnknownThingsUseTheEnvelope) {
  auto route = sb.call("GET", "/no/such/call");
  EXPECT_EQ(route.status, 404);
  EXPECT_EQ(error_code(route), "not_found");
  EXPECT_EQ(error_code(sb.call("PATCH", "/product")), "not_found");
  auto bad_json = sb.call("POST", "/order/certificate/ssl_dv_geotrust", "{\"certificate\": ");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(error_code(bad_json), "bad_request_format") << "the CertCentral error reference's code";
  EXPECT_EQ(error_code(sb.call("POST", "/order/certificate/ssl_dv_geotrust", "[1,2]")), "bad_request_format");
  auto product = place_order(sb, order_body(csr, "api.example.test", {}, "dns-txt-token", false), "ev_multi_domain");
  EXPECT_EQ(product.status, 404);
  EXPECT_EQ(error_code(product), "not_found|product");
  EXPECT_EQ(error_code(sb.call("GET", "/order/certificate/424242")), "not_found|order");
  EXPECT_EQ(error_code(sb.call("GET", "/order/certificate/abc")), "not_found|order");
  EXPECT_EQ(error_code(sb.call("PUT", "/order/certificate/424242/check-dcv")), "not_found|order");
  EXPECT_EQ(error_code(sb.call("GET", "/certificate/424242/download/format/pem_all")), "not_found|certificate");
  EXPECT_EQ(error_code(sb.call("GET", "/certificate/424242/download/format/p7b")), "invalid_format");
  EXPECT_EQ(sb.stats()["orders_total"], 0);
}

TEST_F(SandboxApi, OrderFieldErrors) {
  const auto expect_error = [&](json body, int status, const std::string& code) {
    auto r = place_order(sb, body);
    EXPECT_EQ(r.status, status) << body.dump() << " -> " << r.body;
    EXPECT_EQ(error_code(r), code) << body.dump();
  };
  auto good = order_body(csr, "api.example.test", {"www.api.example.test"}, "dns-txt-token", false);
  auto no_csr = good;
  no_csr["certificate"].erase("csr");
  expect_error(no_csr, 400, "invalid_csr");
  auto bad_csr = good;
  bad_csr["certificate"]["csr"] = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
  expect_error(bad_csr, 400, "invalid_csr");
  auto weak = good;
  weak["certificate"]["csr"] = csr_pem({FixtureKey::Rsa1024, "weak.example.test"});
  expect_error(weak, 400, "invalid_csr");
  auto no_cn = good;
  no_cn["certificate"].erase("common_name");
  expect_error(no_cn, 400, "missing_field|certificate.common_name");
  auto bad_name = good;
  bad_name["certificate"]["dns_names"] = {"bad..name.example.test"};
  expect_error(bad_name, 400, "invalid_dns_name");
  auto huge_name = good;  // shown shortened and escaped in the message, never whole
  huge_name["certificate"]["dns_names"] = {std::string(10000, 'a') + "\x01.example.test"};
  const auto huge = place_order(sb, huge_name);
  EXPECT_EQ(huge.status, 400);
  EXPECT_EQ(error_code(huge), "invalid_dns_name");
  EXPECT_LT(huge.body.size(), 1024u) << huge.body.substr(0, 300);
  auto too_long = good;
  too_long["order_validity"] = {{"days", 200}};
  expect_error(too_long, 400, "invalid_order_validity");
  EXPECT_EQ(sb.stats()["orders_total"], 0);

  auto longest = good;
  longest["order_validity"] = {{"days", 199}};
  EXPECT_EQ(place_order(sb, longest).status, 201);
  auto years = good;
  years.erase("order_validity");
  years["order_validity"] = {{"years", 1}};
  auto by_years = place_order(sb, years);
  ASSERT_EQ(by_years.status, 201) << by_years.body;
  auto order = parsed(sb.call("GET", "/order/certificate/" + std::to_string(parsed(by_years)["id"].get<long>())));
  EXPECT_EQ(order["order_validity"]["days"], 199);
}

TEST_F(SandboxApi, PendingOrderCheckDcvAndCancel) {
  auto r = place_order(sb, order_body(csr, "API.example.test", {"www.api.example.test", "api.example.test"}, "dns-txt-token", true));
  ASSERT_EQ(r.status, 201) << r.body;
  const auto created = parsed(r);
  const long id = created["id"];
  EXPECT_FALSE(created.contains("certificate_chain"));
  EXPECT_EQ(created["requests"][0]["status"], "pending");
  EXPECT_TRUE(std::regex_match(created["dcv_random_value"].get<std::string>(), std::regex("[a-z0-9]{32}"))) << r.body;
  const std::string path = "/order/certificate/" + std::to_string(id);

  auto order = parsed(sb.call("GET", path));
  EXPECT_EQ(order["id"], id);
  EXPECT_EQ(order["status"], "pending");
  EXPECT_EQ(order["product"]["name_id"], "ssl_dv_geotrust");
  EXPECT_EQ(order["certificate"]["common_name"], "api.example.test");
  EXPECT_EQ(order["certificate"]["dns_names"], json({"api.example.test", "www.api.example.test"}));
  EXPECT_EQ(order["certificate"]["csr"], csr);
  EXPECT_EQ(order["dcv_method"], "dns-txt-token");
  EXPECT_EQ(order["use_auth_key"], true);
  EXPECT_EQ(order["dcv_status"]["status"], "pending");
  EXPECT_FALSE(order.contains("certificate_id"));
  EXPECT_TRUE(std::regex_match(order["date_created"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00)")))
      << order["date_created"];

  auto no_key = sb.call("PUT", path + "/check-dcv");
  EXPECT_EQ(no_key.status, 400);
  EXPECT_EQ(error_code(no_key), "auth_key_not_setup");

  EXPECT_EQ(error_code(sb.call("PUT", path + "/status", R"({"status":"approved"})")), "invalid_status");
  EXPECT_EQ(sb.call("PUT", path + "/status", R"({"status":"canceled","note":"test"})").status, 204);
  EXPECT_EQ(parsed(sb.call("GET", path))["status"], "canceled");
  create_auth_key(sb);
  EXPECT_EQ(error_code(sb.call("PUT", path + "/check-dcv")), "invalid_status");
  const auto stats = sb.stats();
  EXPECT_EQ(stats["orders"]["canceled"], 1);
  EXPECT_EQ(stats["orders"]["pending"], 0);
  EXPECT_EQ(stats["orders_total"], 1);
}

TEST_F(SandboxApi, ListNewestFirstWithFiltersAndPages) {
  std::vector<long> ids;
  for (const char* cn : {"a.example.test", "b.example.test", "c.example.test"}) {
    auto r = place_order(sb, order_body(csr, cn, {}, "dns-txt-token", false));
    ASSERT_EQ(r.status, 201);
    ids.push_back(parsed(r)["id"]);
  }
  EXPECT_EQ(sb.call("PUT", "/order/certificate/" + std::to_string(ids[1]) + "/status", R"({"status":"canceled"})").status, 204);

  auto all = parsed(sb.call("GET", "/order/certificate"));
  ASSERT_EQ(all["orders"].size(), 3u) << all.dump();
  EXPECT_EQ(all["orders"][0]["id"], ids[2]);
  EXPECT_EQ(all["orders"][2]["id"], ids[0]);
  EXPECT_FALSE(all["orders"][0]["certificate"].contains("csr"));
  EXPECT_EQ(all["page"], json({{"total", 3}, {"limit", 100}, {"offset", 0}}));

  auto by_cn = parsed(sb.call("GET", "/order/certificate?filters%5Bcommon_name%5D=b.example.test"));
  ASSERT_EQ(by_cn["orders"].size(), 1u);
  EXPECT_EQ(by_cn["orders"][0]["id"], ids[1]);
  auto canceled = parsed(sb.call("GET", "/order/certificate?filters[status]=canceled"));
  ASSERT_EQ(canceled["orders"].size(), 1u);
  EXPECT_EQ(canceled["orders"][0]["status"], "canceled");
  EXPECT_EQ(parsed(sb.call("GET", "/order/certificate?filters[status]=pending"))["page"]["total"], 2);

  auto page = parsed(sb.call("GET", "/order/certificate?limit=1&offset=1"));
  ASSERT_EQ(page["orders"].size(), 1u);
  EXPECT_EQ(page["orders"][0]["id"], ids[1]);
  EXPECT_EQ(page["page"], json({{"total", 3}, {"limit", 1}, {"offset", 1}}));
  EXPECT_EQ(parsed(sb.call("GET", "/order/certificate?limit=5000"))["page"]["limit"], 1000);
  EXPECT_EQ(sb.call("GET", "/order/certificate?limit=x").status, 400);
}

TEST_F(SandboxApi, ConcurrentOrdersAreAllStoredOnce) {
  constexpr int kThreads = 12;
  std::vector<long> ids(kThreads, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      auto r = place_order(sb, order_body(csr, "c" + std::to_string(i) + ".example.test", {}, "dns-txt-token", true));
      if (r.status == 201) ids[static_cast<std::size_t>(i)] = parsed(r)["id"];
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::set<long>(ids.begin(), ids.end()).size(), static_cast<std::size_t>(kThreads));
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 0L), 0);
  EXPECT_EQ(parsed(sb.call("GET", "/order/certificate"))["page"]["total"], kThreads);
}

// ----------------------------------------------------------------------------------------------
// Immediate issuance and check-dcv against real DNS (three BIND servers) and nginx.

class SandboxIssuance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dns = new DnsFixture();
    nginx = new NginxServer();
    SandboxOptions options;
    options.resolver = dns->resolver().server();
    options.ns_port = dns->ns_port();
    options.http_port = nginx->http_port();
    options.https_port = nginx->https_port();
    options.extra_args = {"--timeout", "1500"};
    sandbox = new SandboxServer(options);
    auth_key = new std::string(create_auth_key(*sandbox));
  }
  static void TearDownTestSuite() {
    delete sandbox;
    delete nginx;
    delete dns;
    delete auth_key;
  }
  // Adds the token at _dnsauth.<name> on both authoritative servers.
  static void publish_dns(const std::string& name, const std::string& token) {
    const std::string cmd = "update add _dnsauth." + name + ". 60 TXT \"" + token + "\"";
    dns->ns1().update("example.test", {cmd});
    dns->ns2().update("example.test", {cmd});
  }
  static std::string pem_of(const std::string& name, const std::string& format) {
    return sandbox->call("GET", "/certificate/" + name + "/download/format/" + format).body;
  }
  static DnsFixture* dns;
  static NginxServer* nginx;
  static SandboxServer* sandbox;
  static std::string* auth_key;
};
DnsFixture* SandboxIssuance::dns = nullptr;
NginxServer* SandboxIssuance::nginx = nullptr;
SandboxServer* SandboxIssuance::sandbox = nullptr;
std::string* SandboxIssuance::auth_key = nullptr;

TEST_F(SandboxIssuance, DnsTokenIssuesAtOnceWithAVerifiableChain) {
  const std::string csr = new_csr("dns.example.test");
  const std::string name = dns->token_on_both({token_for(*auth_key, csr)});
  const std::vector<std::string> names = {name, "*." + name};
  const auto before = sandbox->stats();

  auto r = place_order(*sandbox, order_body(csr, name, {"*." + name, name}, "dns-txt-token", true), "wildcard_dv_geotrust");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto issued = parsed(r);
  ASSERT_TRUE(issued.contains("certificate_chain")) << r.body;
  expect_valid_chain(issued["certificate_chain"], csr, names);
  auto leaf = x509(issued["certificate_chain"][0]["pem"]);
  EXPECT_FALSE(X509_get_key_usage(leaf.get()) & KU_KEY_ENCIPHERMENT) << "EC keys do not encipher";
  EXPECT_EQ(X509_check_host(leaf.get(), ("sub." + name).c_str(), 0, 0, nullptr), 1);

  const long id = issued["id"], certificate_id = issued["certificate_id"];
  EXPECT_NE(id, certificate_id);
  auto order = parsed(sandbox->call("GET", "/order/certificate/" + std::to_string(id)));
  EXPECT_EQ(order["status"], "issued");
  EXPECT_EQ(order["certificate_id"], certificate_id);
  EXPECT_EQ(order["certificate"]["id"], certificate_id);
  EXPECT_EQ(order["dcv_status"]["status"], "complete");
  EXPECT_EQ(order["product"]["name_id"], "wildcard_dv_geotrust");

  // Downloads: the same PEMs, with and without the root.
  const auto& chain = issued["certificate_chain"];
  const std::string all = chain[0]["pem"].get<std::string>() + chain[1]["pem"].get<std::string>() + chain[2]["pem"].get<std::string>();
  EXPECT_EQ(pem_of(std::to_string(certificate_id), "pem_all"), all);
  EXPECT_EQ(pem_of(std::to_string(certificate_id), "pem_noroot"),
            chain[0]["pem"].get<std::string>() + chain[1]["pem"].get<std::string>());
  EXPECT_EQ(count_of(pem_of(std::to_string(certificate_id), "pem_all"), "-----BEGIN CERTIFICATE-----"), 3u);

  // An independent verifier agrees (openssl verify with the published bundle).
  TempDir dir;
  auto v = run_program({"/usr/bin/openssl", "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", sandbox->ca_bundle(),
                        "-untrusted", dir.write("intermediate.pem", chain[1]["pem"]), dir.write("leaf.pem", chain[0]["pem"])});
  EXPECT_EQ(v.exit_code, 0) << v.all();
  EXPECT_EQ(read_text(sandbox->ca_bundle()), chain[2]["pem"].get<std::string>());

  const auto after = sandbox->stats();
  EXPECT_EQ(after["orders"]["issued"].get<int>(), before["orders"]["issued"].get<int>() + 1);
}

TEST_F(SandboxIssuance, TokenOfAnotherCsrTextStaysPendingUntilTheRightOneIsPublished) {
  const std::string csr = new_csr("later.example.test");
  // The same CSR with CRLF line ends is a different text: its token does not match the order.
  std::string crlf;
  for (char c : csr) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  const std::string name = dns->token_on_both({token_for(*auth_key, crlf)});

  auto r = place_order(*sandbox, order_body(csr, name, {}, "dns-txt-token", true));
  ASSERT_EQ(r.status, 201) << r.body;
  const auto created = parsed(r);
  EXPECT_FALSE(created.contains("certificate_chain")) << r.body;
  EXPECT_EQ(created["requests"][0]["status"], "pending");
  const std::string path = "/order/certificate/" + std::to_string(created["id"].get<long>());
  auto order = parsed(sandbox->call("GET", path));
  EXPECT_EQ(order["status"], "pending");
  ASSERT_EQ(order["dcv_status"]["reasons"].size(), 1u) << order.dump();
  EXPECT_NE(order["dcv_status"]["reasons"][0].get<std::string>().find(name + ": token.wrong_csr"), std::string::npos)
      << order["dcv_status"].dump();

  auto check = sandbox->call("PUT", path + "/check-dcv");
  EXPECT_EQ(check.status, 400);
  EXPECT_EQ(error_code(check), "invalid_dns_txt");
  EXPECT_NE(error_message(check).find(name + ": token.wrong_csr"), std::string::npos) << check.body;

  publish_dns(name, token_for(*auth_key, csr));
  auto passed = sandbox->call("PUT", path + "/check-dcv");
  ASSERT_EQ(passed.status, 200) << passed.body;
  const auto dcv = parsed(passed);
  EXPECT_EQ(dcv["order_status"], "issued");
  EXPECT_EQ(dcv["dcv_status"], "valid") << "as the check-dcv reference shows it";
  EXPECT_EQ(dcv["dns_name_validations"], json::array({{{"dns_name", name}, {"status", "approved"}}})) << passed.body;
  order = parsed(sandbox->call("GET", path));
  EXPECT_EQ(order["status"], "issued");
  EXPECT_EQ(order["certificate_id"], dcv["certificate_id"]);
  // Checking again answers the same, and issues nothing new.
  auto again = parsed(sandbox->call("PUT", path + "/check-dcv"));
  EXPECT_EQ(again["certificate_id"], dcv["certificate_id"]);
}

TEST_F(SandboxIssuance, HttpTokenIssuesAfterARealFetch) {
  const std::string csr = new_csr("web.example.test");
  const std::string host = "sandbox-web.example.test";
  nginx->put_token_file(host, "other text\n" + token_for(*auth_key, csr) + "\n");
  auto r = place_order(*sandbox, order_body(csr, host, {}, "http-token", true));
  ASSERT_EQ(r.status, 201) << r.body;
  expect_valid_chain(parsed(r)["certificate_chain"], csr, {host});
  EXPECT_NE(nginx->access_log_containing(host).find("/.well-known/pki-validation/fileauth.txt"), std::string::npos);

  const std::string missing = "sandbox-missing.example.test";
  auto pending = place_order(*sandbox, order_body(csr, missing, {}, "http-token", true));
  ASSERT_EQ(pending.status, 201) << pending.body;
  auto check = sandbox->call("PUT", "/order/certificate/" + std::to_string(parsed(pending)["id"].get<long>()) + "/check-dcv");
  EXPECT_EQ(check.status, 400);
  EXPECT_EQ(error_code(check), "file_random_value_not_found");
  EXPECT_NE(error_message(check).find(missing + ": http.not_found"), std::string::npos) << check.body;
}

// The sandbox validates with dcvkit's checker, so it follows the CA's scheme rule too: a 2xx https
// answer without the token leaves the order pending, even though http:// serves the right token.
TEST_F(SandboxIssuance, HttpsAnsweringWithoutTheTokenKeepsTheOrderPending) {
  const std::string csr = new_csr("scheme.example.test");
  const std::string host = std::string("sandbox-stale.") + dcvkit::test::nginx_hosts::kSplitRoots;
  nginx->put_token_file(host, token_for(*auth_key, csr) + "\n");  // http:// serves the right token
  nginx->put_https_token_file(host, "an old page\n");              // https:// answers 200 without it
  auto r = place_order(*sandbox, order_body(csr, host, {}, "http-token", true));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(parsed(r).contains("certificate_chain")) << "the CA would not issue: " << r.body;
  auto check = sandbox->call("PUT", "/order/certificate/" + std::to_string(parsed(r)["id"].get<long>()) + "/check-dcv");
  EXPECT_EQ(check.status, 400);
  EXPECT_EQ(error_code(check), "file_random_value_not_found");
  EXPECT_NE(error_message(check).find(host + ": http.no_token"), std::string::npos) << check.body;
  EXPECT_NE(error_message(check).find("http:// was not tried"), std::string::npos) << check.body;
}

TEST_F(SandboxIssuance, UseAuthKeyFalseWaitsForCheckDcv) {
  const std::string csr = new_csr("manual.example.test");
  const std::string name = dns->token_on_both({token_for(*auth_key, csr)});
  auto r = place_order(*sandbox, order_body(csr, name, {}, "dns-txt-token", false));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(parsed(r).contains("certificate_chain")) << r.body;
  const std::string path = "/order/certificate/" + std::to_string(parsed(r)["id"].get<long>());
  EXPECT_EQ(parsed(sandbox->call("GET", path))["status"], "pending");
  auto check = sandbox->call("PUT", path + "/check-dcv");
  EXPECT_EQ(check.status, 200) << check.body;
  EXPECT_EQ(parsed(sandbox->call("GET", path))["status"], "issued");
  // An issued order cannot be canceled.
  auto cancel = sandbox->call("PUT", path + "/status", R"({"status":"canceled"})");
  EXPECT_EQ(cancel.status, 400);
  EXPECT_EQ(error_code(cancel), "invalid_status");
}

TEST_F(SandboxIssuance, RsaLeafAlsoEnciphers) {
  const std::string csr = csr_pem({FixtureKey::Rsa2048, "rsa.example.test"});
  const std::string name = dns->token_on_both({token_for(*auth_key, csr)});
  auto r = place_order(*sandbox, order_body(csr, name, {}, "dns-txt-token", true));
  ASSERT_EQ(r.status, 201) << r.body;
  const auto chain = parsed(r)["certificate_chain"];
  expect_valid_chain(chain, csr, {name});
  auto leaf = x509(chain[0]["pem"]);
  EXPECT_TRUE(X509_get_key_usage(leaf.get()) & KU_KEY_ENCIPHERMENT);
}

TEST_F(SandboxIssuance, AutoWwwShuffleChainAndAnExtraNameFault) {
  // Its own sandbox over the suite's DNS world, with the behaviours of real DV products switched on
  // and the second order POST signing a leaf with a name nobody ordered.
  SandboxOptions options;
  options.resolver = dns->resolver().server();
  options.ns_port = dns->ns_port();
  options.extra_args = {"--timeout", "1500", "--auto-www", "--shuffle-chain"};
  options.faults_json = R"([{"method": "POST", "path": "/order/certificate/", "nth": 2, "action": "extra_name", "name": "Evil.Example.Test"}])";
  SandboxServer sb(options);
  const std::string key = create_auth_key(sb);

  // --auto-www: a single-name order's leaf also carries the www name (the order shows what was ordered).
  const std::string csr = new_csr("auto.example.test");
  const std::string name = dns->token_on_both({token_for(key, csr)});
  auto r = place_order(sb, order_body(csr, name, {}, "dns-txt-token", true));
  ASSERT_EQ(r.status, 201) << r.body;
  const auto chain = parsed(r)["certificate_chain"];
  expect_valid_chain(chain, csr, {name, "www." + name});
  const long id = parsed(r)["id"], certificate_id = parsed(r)["certificate_id"];
  EXPECT_EQ(parsed(sb.call("GET", "/order/certificate/" + std::to_string(id)))["certificate"]["dns_names"], json::array({name}));

  // --shuffle-chain: downloads come intermediate, root, leaf (the order's answer stays leaf first).
  const std::string leaf = chain[0]["pem"], intermediate = chain[1]["pem"], root = chain[2]["pem"];
  const std::string base = "/certificate/" + std::to_string(certificate_id) + "/download/format/";
  EXPECT_EQ(sb.call("GET", base + "pem_all").body, intermediate + root + leaf);
  EXPECT_EQ(sb.call("GET", base + "pem_noroot").body, intermediate + leaf);

  // The fault: the leaf also carries evil.example.test.
  const std::string csr2 = new_csr("fault.example.test");
  const std::string name2 = dns->token_on_both({token_for(key, csr2)});
  auto faulted = place_order(sb, order_body(csr2, name2, {}, "dns-txt-token", true));
  ASSERT_EQ(faulted.status, 201) << faulted.body;
  auto leaf2 = x509(parsed(faulted)["certificate_chain"][0]["pem"]);
  ASSERT_TRUE(leaf2);
  EXPECT_EQ(dns_sans(leaf2.get()), (std::vector<std::string>{name2, "www." + name2, "evil.example.test"}));

  // Several names: no automatic addition.
  const std::string csr3 = new_csr("multi.example.test");
  const std::string name3 = dns->token_on_both({token_for(key, csr3)});
  auto multi = place_order(sb, order_body(csr3, name3, {"*." + name3}, "dns-txt-token", true), "wildcard_dv_geotrust");
  ASSERT_EQ(multi.status, 201) << multi.body;
  expect_valid_chain(parsed(multi)["certificate_chain"], csr3, {name3, "*." + name3});
}

// ----------------------------------------------------------------------------------------------
// Rate limits.

int count_429(const SandboxServer& sb, int requests) {
  int limited = 0;
  for (int i = 0; i < requests; ++i) {
    auto r = sb.call("GET", "/product");
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(error_code(r), "request_limit_exceeded");
    } else {
      EXPECT_EQ(r.status, 200) << r.body;
    }
  }
  return limited;
}

TEST(SandboxRateLimits, OverAHundredInFiveSecondsIs429) {
  SandboxServer sb;
  const auto start = SteadyClock::now();
  const int limited = count_429(sb, 101);
  ASSERT_LT(std::chrono::duration<double>(SteadyClock::now() - start).count(), 5.0) << "too slow to reach the 5 s window";
  EXPECT_GE(limited, 1);
  const auto stats = sb.stats();
  EXPECT_EQ(stats["rate_limited"], limited);
  EXPECT_EQ(stats["requests"], 101);
}

TEST(SandboxRateLimits, NoRateLimitsSwitchesThemOff) {
  SandboxServer sb(offline([](SandboxOptions& o) { o.rate_limits = false; }));
  EXPECT_EQ(count_429(sb, 101), 0);
  EXPECT_EQ(sb.stats()["rate_limited"], 0);
}

// ----------------------------------------------------------------------------------------------
// The fault plan.

TEST(SandboxFaults, StatusCloseAfterStoreCloseBeforeAndDelay) {
  SandboxServer sb(offline([](SandboxOptions& o) {
    o.faults_json = R"([
      {"method": "POST", "path": "/order/certificate/", "nth": 2, "action": "status", "status": 500},
      {"method": "POST", "path": "/order/certificate/", "nth": 3, "action": "close_after_store"},
      {"method": "GET", "path": "/product", "nth": 1, "action": "delay", "ms": 600},
      {"method": "GET", "path": "/product", "nth": 2, "count": 2, "action": "close_before"}
    ])";
  }));
  const std::string csr = new_csr("faults.example.test");
  auto order = [&](const std::string& cn) { return place_order(sb, order_body(csr, cn, {}, "dns-txt-token", false)); };
  EXPECT_EQ(order("one.example.test").status, 201);
  auto failed = order("two.example.test");
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(error_code(failed), "sandbox_fault");
  auto closed = order("three.example.test");
  EXPECT_EQ(closed.status, 0) << "a response came: " << closed.body;
  EXPECT_EQ(order("four.example.test").status, 201);

  // The order behind the closed connection exists; the one behind the 500 does not.
  auto list = parsed(sb.call("GET", "/order/certificate"));
  EXPECT_EQ(list["page"]["total"], 3);
  EXPECT_EQ(parsed(sb.call("GET", "/order/certificate?filters[common_name]=three.example.test"))["page"]["total"], 1);
  EXPECT_EQ(parsed(sb.call("GET", "/order/certificate?filters[common_name]=two.example.test"))["page"]["total"], 0);

  auto start = SteadyClock::now();
  EXPECT_EQ(sb.call("GET", "/product").status, 200);
  EXPECT_GE(std::chrono::duration<double>(SteadyClock::now() - start).count(), 0.6);
  EXPECT_EQ(sb.call("GET", "/product").status, 0);
  EXPECT_EQ(sb.call("GET", "/product").status, 0);
  start = SteadyClock::now();
  EXPECT_EQ(sb.call("GET", "/product").status, 200);
  EXPECT_LT(std::chrono::duration<double>(SteadyClock::now() - start).count(), 0.6);
  EXPECT_EQ(sb.stats()["requests"], 11);  // every call above but the stats, faulted ones included
}

// A raw socket sees exactly what goes over the wire (plain HTTP). Every request asks the server to
// close after its answer, so reading to the end of the stream gets the whole of it.
struct RawExchange {
  std::string received;
  bool closed = false;  // EOF or reset, not a timeout
};

RawExchange raw_request(std::uint16_t port, const std::string& head, const std::string& body = {}) {
  const std::string request = head + "Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
                              "\r\n\r\n" + body;
  RawExchange out;
  const int fd = connect_loopback(port, 5);
  if (fd >= 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.received.append(buf, static_cast<std::size_t>(n));
    out.closed = n == 0 || errno == ECONNRESET;
  }
  ::close(fd);
  return out;
}

std::uint16_t port_of(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1, url.find('/', url.rfind(':')) - url.rfind(':') - 1)));
}

TEST(SandboxFaults, ClosedConnectionsCarryNotOneByte) {
  SandboxServer sb(offline([](SandboxOptions& o) {
    o.faults_json = R"([
      {"method": "POST", "path": "/order/certificate/", "nth": 1, "action": "close_after_store"},
      {"method": "GET", "path": "/account/auth-key", "nth": 1, "action": "close_before"},
      {"method": "GET", "path": "/product", "nth": 1, "action": "status", "status": 429}
    ])";
    o.extra_args = {"--http"};
  }));
  ASSERT_EQ(sb.url().rfind("http://", 0), 0u) << sb.url();
  const std::uint16_t port = port_of(sb.url());
  const std::string body = order_body(new_csr("raw.example.test"), "raw.example.test", {}, "dns-txt-token", false).dump();
  const std::string key_header = "X-DC-DEVKEY: " + sb.api_key() + "\r\n";
  auto post = raw_request(port, "POST /services/v2/order/certificate/ssl_dv_geotrust HTTP/1.1\r\n" + key_header, body);
  EXPECT_TRUE(post.closed);
  EXPECT_EQ(post.received, "");
  EXPECT_EQ(parsed(sb.call("GET", "/order/certificate"))["page"]["total"], 1);

  auto before = raw_request(port, "GET /services/v2/account/auth-key HTTP/1.1\r\n" + key_header);
  EXPECT_TRUE(before.closed);
  EXPECT_EQ(before.received, "");

  auto limited = raw_request(port, "GET /services/v2/product HTTP/1.1\r\n" + key_header);
  EXPECT_EQ(limited.received.rfind("HTTP/1.1 429", 0), 0u) << limited.received;
  EXPECT_NE(limited.received.find("Retry-After: 1\r\n"), std::string::npos) << limited.received;
  EXPECT_NE(limited.received.find("sandbox_fault"), std::string::npos) << limited.received;
  auto normal = raw_request(port, "GET /services/v2/product HTTP/1.1\r\n" + key_header);
  EXPECT_EQ(normal.received.rfind("HTTP/1.1 200", 0), 0u) << normal.received;
  EXPECT_TRUE(normal.closed);
}

// A rate-limited client is told truthfully how long to wait: Retry-After is the time until the
// window has room, and a request sent after it is admitted (clients that honour it never fail).
TEST(SandboxRateLimits, RetryAfterSaysWhenTheWindowHasRoom) {
  SandboxServer sb(offline([](SandboxOptions& o) { o.extra_args = {"--http"}; }));
  const std::uint16_t port = port_of(sb.url());
  const std::string key_header = "X-DC-DEVKEY: " + sb.api_key() + "\r\n";
  std::string limited;
  for (int i = 0; i < 150 && limited.empty(); ++i) {
    auto r = raw_request(port, "GET /services/v2/product HTTP/1.1\r\n" + key_header);
    if (r.received.rfind("HTTP/1.1 429", 0) == 0) limited = r.received;
  }
  ASSERT_FALSE(limited.empty()) << "100 requests in 5 s were all admitted";
  const auto at = limited.find("Retry-After: ");
  ASSERT_NE(at, std::string::npos) << limited;
  const int seconds = std::stoi(limited.substr(at + 13));
  EXPECT_GE(seconds, 1);
  EXPECT_LE(seconds, 5) << "the 5 s window frees up within 5 s";
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  auto after = raw_request(port, "GET /services/v2/product HTTP/1.1\r\n" + key_header);
  EXPECT_EQ(after.received.rfind("HTTP/1.1 200", 0), 0u) << after.received.substr(0, 300);
}

TEST(SandboxFaults, BadPlanIsAUsageError) {
  TempDir dir;
  for (const char* plan : {"{", R"([{"action": "explode"}])", R"([{"action": "status"}])", R"([{"action": "delay", "nth": 0, "ms": 1}])",
                           R"([{"action": "extra_name"}])", R"([{"action": "extra_name", "name": "not a name"}])"}) {
    auto r = run_program({SandboxServer::binary(), "--listen", "127.0.0.1:0", "--data-dir", dir.file("data"), "--faults",
                          dir.write("faults.json", plan)});
    EXPECT_EQ(r.exit_code, 2) << plan << ": " << r.all();
    EXPECT_EQ(r.out, "") << plan;
  }
}

// ----------------------------------------------------------------------------------------------
// State, restarts, files, signals, logs.

mode_t mode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

TEST(SandboxState, RestartWithStateKeepsAuthKeyOrdersCaAndApiKey) {
  TempDir dir;
  SandboxServer sb(offline([&dir](SandboxOptions& o) { o.state_file = dir.file("state.db"); }));
  const auto key = parsed(sb.call("POST", "/account/auth-key"));
  auto r = place_order(sb, order_body(new_csr("kept.example.test"), "kept.example.test", {}, "dns-txt-token", false));
  ASSERT_EQ(r.status, 201);
  const long id = parsed(r)["id"];
  const auto order = parsed(sb.call("GET", "/order/certificate/" + std::to_string(id)));
  const std::string bundle = read_text(sb.ca_bundle()), api_key = sb.api_key();
  const std::string root_key = read_text(sb.data_dir() + "/ca-root.key");

  sb.restart();
  EXPECT_EQ(sb.exit_code(), 0);
  EXPECT_EQ(parsed(sb.call("GET", "/account/auth-key")), key);
  EXPECT_EQ(parsed(sb.call("GET", "/order/certificate/" + std::to_string(id))), order);
  EXPECT_EQ(read_text(sb.ca_bundle()), bundle);
  EXPECT_EQ(read_text(sb.data_dir() + "/ca-root.key"), root_key);
  EXPECT_EQ(sb.api_key(), api_key);
  auto next = place_order(sb, order_body(new_csr("next.example.test"), "next.example.test", {}, "dns-txt-token", false));
  EXPECT_GT(parsed(next)["id"].get<long>(), id);
  EXPECT_EQ(sb.stats()["orders_total"], 2);

  for (const char* secret : {"api-key", "ca-root.key", "ca-intermediate.key"})
    EXPECT_EQ(mode_of(sb.data_dir() + "/" + secret), 0600u) << secret;
  EXPECT_EQ(mode_of(dir.file("state.db")), 0600u);
}

TEST(SandboxState, WithoutStateARestartForgetsButKeepsTheCa) {
  SandboxServer sb(offline());
  create_auth_key(sb);
  auto r = place_order(sb, order_body(new_csr("gone.example.test"), "gone.example.test", {}, "dns-txt-token", false));
  ASSERT_EQ(r.status, 201);
  const std::string bundle = read_text(sb.ca_bundle());
  sb.restart();
  EXPECT_EQ(sb.call("GET", "/order/certificate/" + std::to_string(parsed(r)["id"].get<long>())).status, 404);
  EXPECT_EQ(sb.call("GET", "/account/auth-key").status, 404);
  EXPECT_EQ(read_text(sb.ca_bundle()), bundle);
}

TEST(SandboxProcess, SigtermStopsPromptlyWithExitZero) {
  SandboxServer sb;
  EXPECT_EQ(sb.call("GET", "/product").status, 200);
  EXPECT_EQ(count_of(sb.log(), "ready https://127.0.0.1:"), 1u) << sb.log();
  sb.stop();
  EXPECT_EQ(sb.exit_code(), 0) << sb.log();
  EXPECT_LT(sb.stop_seconds(), 2.5);
}

TEST(SandboxProcess, SigtermCutsAFaultDelayShort) {
  SandboxServer sb(offline([](SandboxOptions& o) { o.faults_json = R"([{"path": "/product", "action": "delay", "ms": 60000}])"; }));
  std::thread slow([&sb] { sb.call("GET", "/product"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  sb.stop();
  slow.join();
  EXPECT_EQ(sb.exit_code(), 0);
  EXPECT_LT(sb.stop_seconds(), 2.5);
}

TEST(SandboxProcess, SecretsNeverReachTheLogOrOutput) {
  TempDir dir;
  const std::string log_file = dir.file("requests.log");
  SandboxServer sb(offline([&log_file](SandboxOptions& o) { o.extra_args = {"--log", log_file}; }));
  const std::string api_key = sb.api_key();
  const std::string auth_key = create_auth_key(sb);
  sb.call("GET", "/account/auth-key");
  sb.call("GET", "/product", "", auth_key);       // an AuthKey sent as the API key
  sb.call("GET", "/order/" + api_key);            // a key in the path
  sb.call("GET", "/order/certificate?x=" + auth_key);
  place_order(sb, order_body(new_csr("log.example.test"), "log.example.test", {}, "dns-txt-token", true));
  sb.stop();
  const std::string logged = read_text(log_file), output = sb.log();
  EXPECT_NE(logged.find("POST /services/v2/account/auth-key 200"), std::string::npos) << logged;
  EXPECT_NE(logged.find("GET /services/v2/product 401"), std::string::npos) << logged;
  EXPECT_EQ(count_of(logged, "\n"), 6u) << logged;
  for (const std::string& secret : {api_key, auth_key}) {
    EXPECT_EQ(logged.find(secret), std::string::npos) << logged;
    EXPECT_EQ(output.find(secret), std::string::npos) << output;
  }
}

TEST(SandboxProcess, UsageAndDataDirErrorsHaveTheirExitCodes) {
  TempDir dir;
  const std::string bin = SandboxServer::binary();
  EXPECT_EQ(run_program({bin}).exit_code, 2);
  EXPECT_EQ(run_program({bin, "--listen", "nowhere", "--data-dir", dir.file("d")}).exit_code, 2);
  EXPECT_EQ(run_program({bin, "--listen", "127.0.0.1:0", "--data-dir", dir.file("d"), "--bogus"}).exit_code, 2);
  dir.write("file", "x");
  EXPECT_EQ(run_program({bin, "--listen", "127.0.0.1:0", "--data-dir", dir.file("file") + "/sub"}).exit_code, 4);
  auto state = run_program({bin, "--listen", "127.0.0.1:0", "--data-dir", dir.file("d"), "--state", dir.file("no/such/state.db")});
  EXPECT_EQ(state.exit_code, 4) << state.all();
  EXPECT_NE(state.err.find("state"), std::string::npos) << state.err;
  EXPECT_EQ(state.out, "");
}

}  // namespace
