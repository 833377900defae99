// A test suite that shares one DnsFixture (resolver + two authoritative BIND servers) and one nginx
// across its tests: starting them takes seconds, so each suite does it once, not each test.
#pragma once

#include <gtest/gtest.h>

#include "support/dns_fixture.hpp"
#include "support/nginx_server.hpp"

namespace dcvkit::test {

class RealServersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dns = new DnsFixture();
    nginx = new NginxServer();
  }
  static void TearDownTestSuite() {
    delete nginx;
    delete dns;
    nginx = nullptr;
    dns = nullptr;
  }
  static inline DnsFixture* dns = nullptr;
  static inline NginxServer* nginx = nullptr;
};

}  // namespace dcvkit::test
