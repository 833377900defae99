// The batch engine (run_check_batch) on its own: probes made only for the methods the input uses,
// several HTTP loops sharing one input, every request answered exactly once.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "dcvkit/check_batch.hpp"
#include "support/dns_server.hpp"

namespace {

using namespace dcvkit;

const auto kExpected = std::shared_ptr<const TokenExpectation>(TokenExpectation::exact({"2g7hf5gjmbl8tzqklucpqh3x9hm0g3s6"}));

struct Outcome {
  Status status;
  std::map<std::string, std::vector<std::string>> codes;  // name -> codes of its results
};

Outcome run(const CheckBatchOptions& options, const std::vector<std::pair<std::string, DcvMethod>>& input) {
  Outcome out;
  std::size_t next = 0;
  out.status = run_check_batch(
      options,
      [&]() -> std::optional<CheckRequest> {
        if (next == input.size()) return std::nullopt;
        const auto& [name, method] = input[next++];
        return CheckRequest{name, method, kExpected};
      },
      [&](CheckResult r) { out.codes[r.name].push_back(r.code); });
  return out;
}

// Nothing listens there: every HTTP attempt fails at once.
CheckBatchOptions closed_port_options() {
  CheckBatchOptions o;
  const auto closed = dcvkit::test::free_loopback_port();
  o.http.connect_address = "127.0.0.1";
  o.http.http_port = closed;
  o.http.https_port = closed;
  o.dns.resolver = HostPort{"localhost", 53};  // c-ares takes addresses only: the DNS probe cannot be made
  return o;
}

TEST(CheckBatch, ProbesAreMadeOnlyForTheMethodsInTheInput) {
  const CheckBatchOptions o = closed_port_options();
  // HTTP names and a name that is no name: the DNS probe is never needed, so its bad resolver is no error.
  auto http_only = run(o, {{"a.example.test", DcvMethod::Http}, {"bad..name.example.test", DcvMethod::Dns}});
  ASSERT_TRUE(http_only.status.ok()) << http_only.status.error().message;
  EXPECT_EQ(http_only.codes["a.example.test"], std::vector<std::string>{"http.connect_failed"});
  EXPECT_EQ(http_only.codes["bad..name.example.test"], std::vector<std::string>{"name.empty_label"});

  // The first DNS name needs it: the batch stops with the reason, after finishing what it started.
  auto with_dns = run(o, {{"a.example.test", DcvMethod::Http}, {"b.example.test", DcvMethod::Dns},
                          {"c.example.test", DcvMethod::Http}});
  ASSERT_FALSE(with_dns.status.ok());
  EXPECT_EQ(with_dns.status.error().code, "dns.bad_server");
  EXPECT_EQ(with_dns.codes["a.example.test"], std::vector<std::string>{"http.connect_failed"});
  EXPECT_EQ(with_dns.codes.count("c.example.test"), 0u) << "reading stopped";
}

TEST(CheckBatch, SeveralHttpLoopsAnswerEveryNameOnce) {
  CheckBatchOptions o = closed_port_options();
  o.http_loops = 3;
  o.concurrency = 7;  // not a multiple of the loops
  o.http.max_in_flight = 5;
  std::vector<std::pair<std::string, DcvMethod>> input;
  for (int i = 0; i < 300; ++i) input.emplace_back("n" + std::to_string(i) + ".example.test", DcvMethod::Http);
  auto out = run(o, input);
  ASSERT_TRUE(out.status.ok()) << out.status.error().message;
  ASSERT_EQ(out.codes.size(), input.size());
  for (const auto& [name, codes] : out.codes) EXPECT_EQ(codes, std::vector<std::string>{"http.connect_failed"}) << name;
}

TEST(CheckBatch, EmptyInputMakesNoProbe) {
  auto out = run(closed_port_options(), {});
  EXPECT_TRUE(out.status.ok());
  EXPECT_TRUE(out.codes.empty());
}

}  // namespace
