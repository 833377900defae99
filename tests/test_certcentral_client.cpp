// The client over a scripted transport: idempotent calls retried, check-dcv's "not yet" as an
// answer, and above all the order POST — never sent twice when the first may have created an order.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "certcentral_fakes.hpp"
#include "dcvkit/certcentral.hpp"
#include "dcvkit/certcentral_issuance.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/time.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::certcentral;
using dcvkit::test::FakeApi;
using dcvkit::test::failure;
using dcvkit::test::reply;
using nlohmann::json;

const std::string kCsr = [] {
  CsrRequest r;
  r.common_name = "shop.example.test";
  r.sans = {"www.shop.example.test"};
  return generate_csr(r)->csr_pem;
}();
const std::string kOtherCsr = [] {
  CsrRequest r;
  r.common_name = "shop.example.test";
  r.sans = {"www.shop.example.test"};
  return generate_csr(r)->csr_pem;
}();

OrderRequest the_order() {
  OrderRequest o;
  o.product = "ssl_dv_geotrust";
  o.common_name = "shop.example.test";
  o.dns_names = {"www.shop.example.test"};
  o.csr = kCsr;
  return o;
}

const char* kImmediate = R"({"id":41,"certificate_id":77,"certificate_chain":[{"subject_common_name":"shop.example.test","pem":"L"},
  {"subject_common_name":"CA","pem":"I"},{"subject_common_name":"Root","pem":"R"}]})";
const char* kPending = R"({"id":41,"requests":[{"id":9,"status":"pending"}]})";

std::string iso(UnixSeconds t) {
  const auto s = format_iso8601(t);  // 2026-11-23T04:05:06Z
  return s.substr(0, 19) + "+00:00";
}

json summary(std::int64_t id, UnixSeconds created, const std::string& status = "pending",
             const std::string& product = "ssl_dv_geotrust", std::vector<std::string> names = {"shop.example.test", "www.shop.example.test"}) {
  return {{"id", id},
          {"status", status},
          {"date_created", iso(created)},
          {"product", {{"name_id", product}, {"name", "GeoTrust DV"}}},
          {"certificate", {{"common_name", names.front()}, {"dns_names", names}}}};
}

json info(const json& s, const std::string& csr) {
  json j = s;
  j["certificate"]["csr"] = csr;
  return j;
}

// A server holding `orders` (summaries) and their CSRs; POSTs answered by `post`.
struct World {
  std::vector<json> orders;
  std::map<std::int64_t, std::string> csrs;
  std::function<HttpReply(int)> post;  // by POST number, from 1
  int posts = 0;
  HttpReply list_reply = reply(0);     // when status set: answer lists with it

  HttpReply operator()(const HttpRequest& r) {
    if (r.method == "POST") return post(++posts);
    if (r.method == "GET" && r.path.rfind("/order/certificate?", 0) == 0) {
      if (list_reply.status) return list_reply;
      EXPECT_NE(r.path.find("filters[common_name]=shop.example.test"), std::string::npos) << r.path;
      json list = json::array();
      for (const auto& o : orders) list.push_back(o);
      return reply(200, json{{"orders", list}, {"page", {{"total", list.size()}, {"limit", 25}, {"offset", 0}}}}.dump());
    }
    if (r.method == "GET" && r.path.rfind("/order/certificate/", 0) == 0) {
      const auto id = std::stoll(r.path.substr(19));
      for (const auto& o : orders)
        if (o["id"] == id) return reply(200, info(o, csrs[id]).dump());
      return reply(404, R"({"errors":[{"code":"not_found|order","message":"no"}]})");
    }
    return reply(500);
  }
};

// The first POST stores the order (with `stored_csr`, as the API keeps it) and then answers with
// `answer`: the order must be found and adopted, never sent again.
void expect_adopted_after(const HttpReply& answer, const std::string& stored_csr = kCsr,
                          const std::string& status = "pending", std::int64_t certificate_id = 0) {
  World w;
  FakeApi* api_ptr = nullptr;
  w.post = [&](int) {
    w.orders.push_back(summary(41, api_ptr->clock.now(), status));
    if (certificate_id) w.orders.back()["certificate_id"] = certificate_id;
    w.csrs[41] = stored_csr;
    return answer;
  };
  FakeApi api(std::ref(w));
  api_ptr = &api;
  std::vector<std::string> events;
  SubmitOptions o;
  o.on_event = [&](std::string_view e) { events.emplace_back(e); };
  auto r = submit_order(*api.client, the_order(), o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->adopted);
  EXPECT_EQ(r->order.id, 41);
  EXPECT_EQ(r->order.certificate_id, certificate_id) << "issued: the caller downloads it";
  EXPECT_EQ(r->posts, 1);
  EXPECT_EQ(w.posts, 1) << "never sent again";
  EXPECT_EQ(api.count("GET", "/order/certificate?"), 1u);
  EXPECT_EQ(api.count("GET", "/order/certificate/41"), 1u);
  ASSERT_GE(events.size(), 2u);
  EXPECT_NE(events.back().find("adopted"), std::string::npos);
}

TEST(CertCentralClient, IdempotentCallsRetryOn5xx429AndConnectionLoss) {
  int n = 0;
  FakeApi api([&](const HttpRequest&) {
    switch (++n) {
      case 1: return reply(503);
      case 2: return reply(429, "", "2");
      case 3: return failure(TransportFailure::ConnectionLost, true);
      default: return reply(200, R"({"products":[{"name_id":"ssl_dv_geotrust","name":"GeoTrust DV","type":"ssl_certificate"}]})");
    }
  });
  auto products = api.client->products();
  ASSERT_TRUE(products) << products.error().message;
  EXPECT_EQ(products->front().name_id, "ssl_dv_geotrust");
  EXPECT_EQ(api.requests.size(), 4u);
  EXPECT_EQ(api.client->stats().retries, 3u);
  EXPECT_GE(api.timer.sleeps.at(1), std::chrono::nanoseconds(std::chrono::seconds(2))) << "Retry-After honoured";
}

TEST(CertCentralClient, GivesUpWithTheRightKind) {
  RetryPolicy p;
  p.max_attempts = 3;
  FakeApi limited([](const HttpRequest&) { return reply(429, R"({"errors":[{"code":"request_limit_exceeded","message":"slow down"}]})"); }, p);
  auto r = limited.client->order_info(5);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::RateLimited);
  EXPECT_NE(r.error().message.find("after 3 attempts"), std::string::npos) << r.error().message;
  EXPECT_EQ(limited.requests.size(), 3u);

  FakeApi denied([](const HttpRequest&) { return reply(401, R"({"errors":[{"code":"invalid_api_key","message":"bad key"}]})"); });
  auto d = denied.client->order_info(5);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().kind, ErrorKind::ApiAuth);
  EXPECT_EQ(denied.requests.size(), 1u) << "a 401 is not retried";

  FakeApi untrusted([](const HttpRequest&) { return failure(TransportFailure::TlsVerify, false); });
  EXPECT_EQ(untrusted.client->order_info(5).error().code, "api.tls_untrusted");
  EXPECT_EQ(untrusted.requests.size(), 1u);
}

TEST(CertCentralClient, TypedCallsUseTheApiPaths) {
  FakeApi api([](const HttpRequest& r) {
    if (r.path == "/account/auth-key" && r.method == "POST") return reply(200, R"({"auth_key_id":3,"auth_key":"k123"})");
    if (r.path == "/account/auth-key" && r.method == "GET") return reply(200, R"({"auth_key_id":3,"auth_key":"k123"})");
    if (r.path == "/account/auth-key" && r.method == "DELETE") return reply(204);
    if (r.path == "/order/certificate/12/status" && r.method == "PUT") return reply(204);
    if (r.path == "/certificate/77/download/format/pem_all") return reply(200, "PEMS");
    if (r.path.rfind("/order/certificate?", 0) == 0) return reply(200, R"({"orders":[],"page":{"total":0}})");
    return reply(404, R"({"errors":[{"code":"not_found","message":"?"}]})");
  });
  auto created = api.client->create_auth_key();
  ASSERT_TRUE(created);
  EXPECT_EQ(created->id, 3);
  EXPECT_EQ(created->key.view(), "k123");
  EXPECT_TRUE(api.client->get_auth_key());
  EXPECT_TRUE(api.client->delete_auth_key());
  EXPECT_TRUE(api.client->cancel_order(12, "typo \"x\""));
  EXPECT_EQ(json::parse(api.requests.back().body)["note"], "typo \"x\"");
  EXPECT_EQ(*api.client->download(77, "pem_all"), "PEMS");
  EXPECT_EQ(api.requests.back().accept, "*/*");
  OrderFilter f;
  f.status = "pending";
  f.common_name = "*.a b.example";
  EXPECT_TRUE(api.client->list_orders(f));
  EXPECT_EQ(api.requests.back().path,
            "/order/certificate?limit=100&offset=0&filters[status]=pending&filters[common_name]=*.a%20b.example&sort=-date_created");
}

TEST(CertCentralClient, CheckDcvNotYetValidatedIsAnAnswer) {
  FakeApi api([](const HttpRequest& r) {
    if (r.path == "/order/certificate/1/check-dcv")
      return reply(400, R"({"errors":[{"code":"invalid_dns_txt","message":"shop.example.test: token.expired: old"}]})");
    if (r.path == "/order/certificate/2/check-dcv")
      return reply(200, R"({"order_status":"issued","certificate_id":77,"dcv_status":"complete"})");
    return reply(404, R"({"errors":[{"code":"not_found|order","message":"no"}]})");
  });
  auto pending = api.client->check_dcv(1);
  ASSERT_TRUE(pending);
  EXPECT_FALSE(pending->issued());
  EXPECT_EQ(pending->failure_code, "invalid_dns_txt");
  EXPECT_NE(pending->failure_reason.find("token.expired"), std::string::npos);
  auto issued = api.client->check_dcv(2);
  ASSERT_TRUE(issued);
  EXPECT_TRUE(issued->issued());
  EXPECT_EQ(issued->certificate_id, 77);
  EXPECT_EQ(api.client->check_dcv(3).error().code, "api.not_found.order");
}

// The documented dns-txt-token answer of check-dcv (CertCentral API, "DV SSL: Check DCV"): JSON
// with dns_name_validations for every checked name, whatever their state.
TEST(CertCentralIssuance, PerNameStatesOfCheckDcvSayWhatIsMissing) {
  FakeApi api([](const HttpRequest& r) {
    if (r.path == "/order/certificate/8/check-dcv")
      return reply(200, R"({"order_status":"pending","dcv_status":"pending","dns_name_validations":[)"
                        R"({"dns_name":"shop.example.test","status":"approved"},)"
                        R"({"dns_name":"www.shop.example.test","status":"pending"}]})");
    return reply(200, R"({"id":8,"status":"pending","certificate":{"common_name":"shop.example.test"}})");
  });
  auto state = check_pending_once(*api.client, 8);
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_FALSE(state->issued());
  ASSERT_EQ(state->names.size(), 2u);
  EXPECT_EQ(state->names[1].dns_name, "www.shop.example.test");
  EXPECT_EQ(state->names[1].status, "pending");
  EXPECT_EQ(state->reason, "not validated yet: www.shop.example.test (pending)");
  EXPECT_NE(not_issued_error(8, *state, "h").message.find("www.shop.example.test (pending)"), std::string::npos);
}

TEST(CertCentralIssuance, WaitsWithBackoffUntilIssued) {
  int checks = 0;
  FakeApi api([&](const HttpRequest& r) {
    if (r.path == "/order/certificate/5/check-dcv") {
      if (++checks < 4) return reply(400, R"({"errors":[{"code":"invalid_dns_txt","message":"a.example.test: dns.no_txt: nothing"}]})");
      return reply(200, R"({"order_status":"issued","certificate_id":77,"dcv_status":"complete"})");
    }
    return reply(404);
  });
  std::vector<certcentral::PendingState> seen;
  auto id = wait_for_certificate(*api.client, 5, std::chrono::seconds(600), [&](const PendingState& s) { seen.push_back(s); });
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, 77);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_NE(seen[0].reason.find("dns.no_txt"), std::string::npos);
  // 2 s doubling, jittered over the upper half (the fake random is 0.5): 1.5 s, 3 s, 6 s.
  EXPECT_EQ(seen[0].next_check.count(), 1500);
  EXPECT_EQ(seen[1].next_check.count(), 3000);
  EXPECT_EQ(seen[2].next_check.count(), 6000);
  EXPECT_EQ(api.timer.slept(), std::chrono::nanoseconds(std::chrono::milliseconds(10500)));
}

TEST(CertCentralIssuance, DeadlineAndFinalStatesStopTheWait) {
  FakeApi pending([](const HttpRequest& r) {
    if (r.path.find("check-dcv") != std::string::npos)
      return reply(400, R"({"errors":[{"code":"file_random_value_not_found","message":"w.example.test: http.not_found: 404"}]})");
    return reply(404);
  });
  auto late = wait_for_certificate(*pending.client, 5, std::chrono::seconds(60));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().kind, ErrorKind::NotIssued);
  EXPECT_EQ(late.error().code, "order.not_issued");
  EXPECT_NE(late.error().message.find("http.not_found"), std::string::npos);
  EXPECT_LE(pending.timer.seconds_since_start(), 60.0);
  EXPECT_GT(pending.timer.seconds_since_start(), 30.0);

  FakeApi canceled([](const HttpRequest& r) {
    if (r.path.find("check-dcv") != std::string::npos) return reply(200, R"({"order_status":"canceled","dcv_status":"pending"})");
    return reply(200, R"({"id":5,"status":"canceled","certificate":{"common_name":"a.example.test"}})");
  });
  auto state = wait_until_issued(*canceled.client, 5, std::chrono::seconds(600));
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->final);
  EXPECT_EQ(canceled.timer.slept().count(), 0) << "no waiting for a canceled order";
  EXPECT_EQ(not_issued_error(5, *state, "h").code, "order.canceled");

  FakeApi no_key([](const HttpRequest&) {
    return reply(400, R"({"errors":[{"code":"auth_key_not_setup","message":"this account has no AuthKey"}]})");
  });
  auto once = check_pending_once(*no_key.client, 5);
  ASSERT_TRUE(once);
  EXPECT_EQ(once->failure_code, "auth_key_not_setup");
  EXPECT_NE(not_issued_error(5, *once, "h").hint.find("dcvkit authkey create"), std::string::npos);
}

TEST(CertCentralOrder, BodyPerDesign) {
  auto o = the_order();
  o.validity_days = 90;
  const auto body = json::parse(order_body_json(o));
  EXPECT_EQ(body["certificate"]["common_name"], "shop.example.test");
  EXPECT_EQ(body["certificate"]["dns_names"], json::array({"www.shop.example.test"}));
  EXPECT_EQ(body["certificate"]["csr"], kCsr) << "exact bytes";
  EXPECT_EQ(body["certificate"]["signature_hash"], "sha256");
  EXPECT_EQ(body["certificate"]["server_platform"]["id"], -1);
  EXPECT_EQ(body["order_validity"], json({{"days", 90}}));
  EXPECT_EQ(body["dcv_method"], "dns-txt-token");
  EXPECT_EQ(body["use_auth_key"], true);
  auto r = order_http_request(o);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/order/certificate/ssl_dv_geotrust");
  EXPECT_TRUE(r.fresh_connection) << "never on a reused connection (libcurl would resend silently)";
  o.validity_days.reset();
  o.validity_years = 1;
  EXPECT_EQ(json::parse(order_body_json(o))["order_validity"], json({{"years", 1}}));
}

TEST(CertCentralOrder, ImmediateIsExactlyOneCall) {
  World w;
  w.post = [](int) { return reply(201, kImmediate); };
  FakeApi api(std::ref(w));
  auto r = submit_order(*api.client, the_order());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->order.immediate());
  EXPECT_EQ(r->order.chain.size(), 3u);
  EXPECT_EQ(r->order.certificate_id, 77);
  EXPECT_FALSE(r->adopted);
  EXPECT_EQ(api.requests.size(), 1u);
  EXPECT_EQ(api.client->stats().requests, 1u);
}

TEST(CertCentralOrder, PendingAnswerParsed) {
  World w;
  w.post = [](int) { return reply(201, kPending); };
  FakeApi api(std::ref(w));
  auto r = submit_order(*api.client, the_order());
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->order.immediate());
  EXPECT_EQ(r->order.id, 41);
  EXPECT_EQ(r->order.request_status, "pending");
  EXPECT_EQ(api.requests.size(), 1u);
}

TEST(CertCentralOrder, ConnectionLostAfterStoreAdoptsTheOrderWithoutResending) {
  expect_adopted_after(failure(TransportFailure::ConnectionLost, true));
}

TEST(CertCentralOrder, ServerErrorWithNothingStoredIsResentOnce) {
  World w;
  w.post = [](int n) { return n == 1 ? reply(500, R"({"errors":[{"code":"sandbox_fault","message":"boom"}]})") : reply(201, kImmediate); };
  FakeApi api(std::ref(w));
  auto r = submit_order(*api.client, the_order());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->adopted);
  EXPECT_EQ(r->posts, 2);
  EXPECT_EQ(w.posts, 2);
  ASSERT_EQ(api.requests.size(), 3u);
  EXPECT_EQ(api.requests[1].method, "GET") << "looked up before sending again";
}

TEST(CertCentralOrder, ServerErrorAfterStoringIsAdopted) {
  expect_adopted_after(reply(502, "<html>proxy</html>"), kCsr, "issued", 77);
}

TEST(CertCentralOrder, LookupIgnoresOtherCsrsOldCanceledAndOtherProducts) {
  World w;
  FakeApi* api_ptr = nullptr;
  w.post = [&](int n) {
    if (n > 1) return reply(201, kPending);
    const UnixSeconds now = api_ptr->clock.now();
    w.orders = {summary(50, now, "pending"), summary(49, now - 3600, "pending"), summary(48, now, "canceled"),
                summary(47, now, "pending", "ssl_dv_rapidssl"),
                summary(46, now, "pending", "ssl_dv_geotrust", {"shop.example.test"})};
    w.csrs = {{50, kOtherCsr}, {49, kCsr}, {48, kCsr}, {47, kCsr}, {46, kCsr}};
    return failure(TransportFailure::ConnectionLost, true);
  };
  FakeApi api(std::ref(w));
  api_ptr = &api;
  auto r = submit_order(*api.client, the_order());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->adopted) << "no order matches: sent again";
  EXPECT_EQ(w.posts, 2);
  EXPECT_GE(api.count("GET", "/order/certificate/50"), 1u) << "only the one candidate's CSR was fetched";
  EXPECT_EQ(api.count("GET", "/order/certificate/4"), 0u);
}

TEST(CertCentralOrder, StoredCsrRewrappedStillMatches) {
  auto text = parse_csr_text(kCsr, "x");
  expect_adopted_after(failure(TransportFailure::Timeout, true), csr_form_bytes(*text, CsrForm::OneLine));
}

TEST(CertCentralOrder, TimeoutLooksAgainWhileThePostMayBeInFlight) {
  World w;
  FakeApi* api_ptr = nullptr;
  int lists = 0;
  w.post = [&](int) { return failure(TransportFailure::Timeout, true); };
  FakeApi api([&](const HttpRequest& r) {
    if (r.method == "GET" && r.path.rfind("/order/certificate?", 0) == 0 && ++lists == 2) {
      // The server finished validating after the first look.
      w.orders = {summary(41, api_ptr->clock.now())};
      w.csrs = {{41, kCsr}};
    }
    return w(r);
  });
  api_ptr = &api;
  SubmitOptions o;
  o.first_look = std::chrono::seconds(7);
  auto r = submit_order(*api.client, the_order(), o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->adopted);
  EXPECT_EQ(w.posts, 1);
  EXPECT_EQ(lists, 2);
  EXPECT_GE(api.timer.slept(), std::chrono::nanoseconds(std::chrono::seconds(7)));
}

TEST(CertCentralOrder, InFlightWindowIsTheRequestTimeoutPlusAMargin) {
  EXPECT_EQ(order_in_flight_window(std::chrono::seconds(90)), std::chrono::seconds(120));
  EXPECT_EQ(order_in_flight_window(std::chrono::seconds(5)), std::chrono::seconds(35));
  EXPECT_EQ(order_in_flight_window(std::chrono::milliseconds(4500)), std::chrono::seconds(35));
  EXPECT_EQ(order_in_flight_window(std::chrono::seconds(300)), std::chrono::seconds(400));
}

// The POST timed out; the CA, still working on it, stores the order `lands_after` seconds after
// it was sent. The order is adopted whenever it lands inside the in-flight window (the request
// timeout plus a margin), and is never sent again before that window has passed.
struct SlowCa {
  World w;
  FakeApi* api = nullptr;
  double sent_at = -1, lands_after = 0;
  std::vector<UnixSeconds> announced;  // before_post's in-flight deadlines
  std::vector<double> post_times, list_times;
  HttpReply operator()(const HttpRequest& r) {
    const double now = api->timer.seconds_since_start();
    if (r.method == "GET" && r.path.rfind("/order/certificate?", 0) == 0) {
      list_times.push_back(now);
      if (sent_at >= 0 && now >= sent_at + lands_after && w.orders.empty()) {
        w.orders = {summary(41, api->clock.now())};
        w.csrs = {{41, kCsr}};
      }
    }
    if (r.method == "POST") {
      post_times.push_back(now);
      if (sent_at < 0) sent_at = now;
      if (post_times.size() > 1) return reply(201, kPending);  // a second order
    }
    return w(r);
  }
};

TEST(CertCentralOrder, SlowCaIsNeverSentASecondOrderInsideTheWindow) {
  for (long timeout_ms : {5'000L, 30'000L}) {
    SlowCa ca;
    ca.w.post = [](int) { return failure(TransportFailure::Timeout, true); };
    ca.lands_after = 31;  // past the old 5 s settle, and past a 5 s timeout: inside both windows
    FakeApi api(std::ref(ca), {}, timeout_ms);
    ca.api = &api;
    SubmitOptions o;
    o.before_post = [&](UnixSeconds until) {
      ca.announced.push_back(until);
      return Status{};
    };
    auto r = submit_order(*api.client, the_order(), o);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->adopted) << timeout_ms;
    EXPECT_EQ(ca.post_times.size(), 1u) << timeout_ms;
    ASSERT_EQ(ca.announced.size(), 1u);
    EXPECT_EQ(ca.announced[0], api.clock.now() + order_in_flight_window(std::chrono::milliseconds(timeout_ms)).count());
  }
}

TEST(CertCentralOrder, NothingFoundIsResentOnlyAfterALookupPastTheWindow) {
  SlowCa ca;
  ca.w.post = [](int) { return failure(TransportFailure::ConnectionLost, true); };
  ca.lands_after = 1e9;  // never
  FakeApi api(std::ref(ca), {}, 10'000);
  ca.api = &api;
  std::vector<std::string> events;
  SubmitOptions o;
  o.on_event = [&](std::string_view e) { events.emplace_back(e); };
  o.before_post = [&](UnixSeconds until) {
    ca.announced.push_back(until);
    return Status{};
  };
  auto r = submit_order(*api.client, the_order(), o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->adopted);
  ASSERT_EQ(ca.post_times.size(), 2u);
  EXPECT_EQ(ca.announced.size(), 2u) << "every POST announced before it left";
  const double window = 40;  // 10 s + 30 s
  EXPECT_GE(ca.post_times[1], ca.post_times[0] + window);
  ASSERT_GE(ca.list_times.size(), 3u) << "looked up again while waiting";
  EXPECT_GE(ca.list_times.back(), ca.post_times[0] + window) << "the proof: a lookup after the window";
  bool told = false;
  for (const auto& e : events) told = told || (e.find("may still be in flight") != std::string::npos && e.find("until ") != std::string::npos);
  EXPECT_TRUE(told) << "says why it waits and until when";
}

TEST(CertCentralOrder, BeforePostFailureSendsNothing) {
  World w;
  w.post = [](int) { return reply(201, kPending); };
  FakeApi api(std::ref(w));
  SubmitOptions o;
  o.before_post = [](UnixSeconds) -> Status { return make_error(ErrorKind::Io, "ledger.io", "disk full", ""); };
  auto r = submit_order(*api.client, the_order(), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "ledger.io");
  EXPECT_EQ(w.posts, 0);
}

TEST(CertCentralOrder, LookupFailureNeverResends) {
  World w;
  w.post = [](int) { return failure(TransportFailure::ConnectionLost, true); };
  w.list_reply = reply(503);
  RetryPolicy p;
  p.max_attempts = 2;
  FakeApi api(std::ref(w), p);
  auto r = submit_order(*api.client, the_order());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "api.order_unknown");
  EXPECT_NE(r.error().message.find("NOT sent again"), std::string::npos);
  EXPECT_NE(r.error().hint.find("dcvkit order list --cn shop.example.test"), std::string::npos);
  EXPECT_EQ(w.posts, 1);
}

TEST(CertCentralOrder, DefiniteRefusalsAreNotLookedUp) {
  {  // connect failure: nothing was sent, so send again without looking
    World w;
    w.post = [](int n) { return n == 1 ? failure(TransportFailure::NotSent, false) : reply(201, kPending); };
    FakeApi api(std::ref(w));
    auto r = submit_order(*api.client, the_order());
    ASSERT_TRUE(r);
    EXPECT_EQ(w.posts, 2);
    EXPECT_EQ(api.requests.size(), 2u);
  }
  {  // 429: refused before any work
    World w;
    w.post = [](int n) { return n == 1 ? reply(429, "", "1") : reply(201, kPending); };
    FakeApi api(std::ref(w));
    ASSERT_TRUE(submit_order(*api.client, the_order()));
    EXPECT_EQ(api.requests.size(), 2u);
  }
  {  // 400: the same request gets the same answer
    World w;
    w.post = [](int) { return reply(400, R"({"errors":[{"code":"invalid_csr","message":"bad"}]})"); };
    FakeApi api(std::ref(w));
    auto r = submit_order(*api.client, the_order());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "api.invalid_csr");
    EXPECT_EQ(api.requests.size(), 1u);
  }
}

TEST(CertCentralOrder, PostsAreBounded) {
  World w;
  w.post = [](int) { return reply(500); };
  FakeApi api(std::ref(w));
  SubmitOptions o;
  o.max_posts = 3;
  auto r = submit_order(*api.client, the_order(), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(w.posts, 3);
  EXPECT_EQ(r.error().kind, ErrorKind::Network);
  EXPECT_EQ(api.count("GET", "/order/certificate?"), 3u) << "looked up after every ambiguous answer";
}

TEST(CertCentralOrder, UnreadableCreatedAnswerIsLookedUp) { expect_adopted_after(reply(201, "{\"id\":")); }

}  // namespace
