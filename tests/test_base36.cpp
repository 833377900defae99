// base36_encode against known values and against Boost.Multiprecision's generic division, which
// shares no code with the limb-wise fast path.
#include <gtest/gtest.h>

#include <boost/multiprecision/cpp_int.hpp>
#include <random>

#include "dcvkit/token.hpp"

namespace {

using boost::multiprecision::uint256_t;
using dcvkit::base36_encode;
using dcvkit::Mac;

Mac mac_of(uint256_t v) {
  Mac m{};
  for (int i = 31; i >= 0; --i) {
    m[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
  return m;
}

std::string reference_base36(const Mac& m) {
  uint256_t v = 0;
  for (auto b : m) v = (v << 8) | b;
  std::string s;
  while (v != 0) {
    s.insert(s.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[static_cast<int>(v % 36)]);
    v /= 36;
  }
  return std::string(50 - s.size(), '0') + s;
}

TEST(Base36, SmallValues) {
  EXPECT_EQ(base36_encode(mac_of(0)), std::string(50, '0'));
  EXPECT_EQ(base36_encode(mac_of(1)), std::string(49, '0') + "1");
  EXPECT_EQ(base36_encode(mac_of(35)), std::string(49, '0') + "z");
  EXPECT_EQ(base36_encode(mac_of(36)), std::string(48, '0') + "10");
  EXPECT_EQ(base36_encode(mac_of(36 * 36 - 1)), std::string(48, '0') + "zz");
}

TEST(Base36, LargestValueUsesAllFiftyDigits) {
  const uint256_t max = ~uint256_t(0);
  EXPECT_EQ(base36_encode(mac_of(max)), "6dp5qcb22im238nr3wvp0ic7q99w035jmy2iw7i6n43d37jtof");
  EXPECT_EQ(base36_encode(mac_of(uint256_t(1) << 255)), "36ukv65j19b11mbvjyfui963v4my01krth19g3r3bk1ojlrwu8");
}

TEST(Base36, PowersOf36AndChunkEdges) {
  uint256_t p = 1;
  for (int k = 0; k < 50; ++k) {
    // 36^k is "1" followed by k zeros; 36^k - 1 is k 'z's: exercises every chunk boundary.
    EXPECT_EQ(base36_encode(mac_of(p)), std::string(49 - k, '0') + "1" + std::string(k, '0')) << "36^" << k;
    if (k > 0) {
      EXPECT_EQ(base36_encode(mac_of(p - 1)), std::string(50 - k, '0') + std::string(k, 'z')) << "36^" << k << "-1";
    }
    p *= 36;
  }
}

TEST(Base36, LeadingAndInnerZeroBytes) {
  Mac m{};
  m[31] = 0x01;
  m[8] = 0xff;  // zero limb above, zero bytes below
  EXPECT_EQ(base36_encode(m), reference_base36(m));
  Mac inner{};
  inner.fill(0xab);
  for (std::size_t i = 8; i < 24; ++i) inner[i] = 0;  // two whole zero limbs in the middle
  EXPECT_EQ(base36_encode(inner), reference_base36(inner));
  Mac high_zero{};
  high_zero.fill(0x77);
  for (std::size_t i = 0; i < 17; ++i) high_zero[i] = 0;
  EXPECT_EQ(base36_encode(high_zero), reference_base36(high_zero));
}

TEST(Base36, AgreesWithBoostOnRandomValues) {
  std::mt19937_64 rng(20261123);
  for (int i = 0; i < 100000; ++i) {
    Mac m{};
    for (auto& b : m) b = static_cast<std::uint8_t>(rng());
    // Vary the magnitude so short encodings (many pad zeros) are covered too.
    const std::size_t zeros = static_cast<std::size_t>(rng() % 33);
    for (std::size_t z = 0; z < zeros; ++z) m[z] = 0;
    ASSERT_EQ(base36_encode(m), reference_base36(m)) << "iteration " << i;
  }
}

}  // namespace
