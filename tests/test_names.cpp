#include <gtest/gtest.h>

#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "dcvkit/names.hpp"
#include "util/display.hpp"

namespace dcvkit {
namespace {

std::string label(std::size_t n, char c = 'a') { return std::string(n, c); }

// A name of exactly `total` octets made of 63-octet labels (the last one shorter), ending in ".com".
std::string name_of_length(std::size_t total) {
  std::string tail = ".com";
  std::string name;
  while (name.size() + tail.size() < total) {
    std::size_t room = total - tail.size() - name.size() - (name.empty() ? 0 : 1);
    if (!name.empty()) name += '.';
    name += label(room < 63 ? room : 63, 'b');
  }
  return name + tail;
}

struct Valid {
  std::string input;
  std::string expected;
};

class NamesValid : public ::testing::TestWithParam<Valid> {};

TEST_P(NamesValid, Canonicalises) {
  auto result = normalize_dns_name(GetParam().input);
  ASSERT_TRUE(result.ok()) << result.error().code << ": " << result.error().message;
  EXPECT_EQ(*result, GetParam().expected);
  // Canonical output is a fixed point.
  auto again = normalize_dns_name(*result);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *result);
}

INSTANTIATE_TEST_SUITE_P(
    NamesTable, NamesValid,
    ::testing::Values(Valid{"example.com", "example.com"}, Valid{"WWW.Example.COM", "www.example.com"},
                      Valid{"example.com.", "example.com"}, Valid{"a-b.example.com", "a-b.example.com"},
                      Valid{"123.example.com", "123.example.com"}, Valid{"*.example.com", "*.example.com"},
                      Valid{"*.EXAMPLE.com.", "*.example.com"},
                      Valid{"b\xc3\xbc" "cher.example", "xn--bcher-kva.example"},
                      Valid{"B\xc3\x9c" "CHER.example", "xn--bcher-kva.example"},
                      Valid{"*.b\xc3\xbc" "cher.example", "*.xn--bcher-kva.example"},
                      Valid{"xn--bcher-kva.example", "xn--bcher-kva.example"},
                      Valid{"XN--BCHER-KVA.example", "xn--bcher-kva.example"},
                      Valid{label(63) + ".com", label(63) + ".com"},
                      Valid{name_of_length(253), name_of_length(253)},
                      Valid{name_of_length(253) + ".", name_of_length(253)}));

struct Invalid {
  std::string input;
  std::string code;
};

class NamesInvalid : public ::testing::TestWithParam<Invalid> {};

TEST_P(NamesInvalid, Refuses) {
  auto result = normalize_dns_name(GetParam().input);
  ASSERT_FALSE(result.ok()) << "accepted as " << *result;
  EXPECT_EQ(result.error().kind, ErrorKind::InvalidInput);
  EXPECT_EQ(result.error().code, GetParam().code) << result.error().message;
  EXPECT_FALSE(result.error().message.empty());
  EXPECT_FALSE(result.error().hint.empty());
}

INSTANTIATE_TEST_SUITE_P(
    NamesTable, NamesInvalid,
    ::testing::Values(
        Invalid{"", "name.empty"}, Invalid{".", "name.empty"}, Invalid{"..", "name.empty_label"},
        Invalid{"../x", "name.empty_label"}, Invalid{".example.com", "name.empty_label"},
        Invalid{"example..com", "name.empty_label"}, Invalid{"example.com..", "name.empty_label"},
        Invalid{"a/b", "name.bad_character"}, Invalid{"example.com/../x", "name.bad_character"},
        Invalid{"%2e%2e", "name.bad_character"}, Invalid{"%2e%2e.example.com", "name.bad_character"},
        Invalid{"a_b.example.com", "name.bad_character"}, Invalid{"_dnsauth.example.com", "name.bad_character"},
        Invalid{"exa mple.com", "name.bad_character"}, Invalid{" example.com", "name.bad_character"},
        Invalid{"example.com\t", "name.bad_character"}, Invalid{"user@example.com", "name.bad_character"},
        Invalid{std::string("exa\0mple.com", 12), "name.bad_character"},
        Invalid{"example.com\n", "name.bad_character"},
        Invalid{"-example.com", "name.bad_hyphen"}, Invalid{"example-.com", "name.bad_hyphen"},
        Invalid{"example.-com", "name.bad_hyphen"},
        Invalid{label(64) + ".com", "name.label_too_long"},
        Invalid{name_of_length(254), "name.too_long"}, Invalid{name_of_length(254) + ".", "name.too_long"},
        Invalid{std::string(10000, 'a'), "name.too_long"},
        Invalid{"*", "name.bad_wildcard"}, Invalid{"**.example.com", "name.bad_wildcard"},
        Invalid{"a*.example.com", "name.bad_wildcard"}, Invalid{"*a.example.com", "name.bad_wildcard"},
        Invalid{"www.*.example.com", "name.bad_wildcard"}, Invalid{"*.*.example.com", "name.bad_wildcard"},
        Invalid{"example.*", "name.bad_wildcard"}, Invalid{"*.com", "name.bad_wildcard"},
        Invalid{"1.2.3.4", "name.ip_address"}, Invalid{"192.0.2.1.", "name.ip_address"},
        Invalid{"127.1", "name.ip_address"}, Invalid{"::1", "name.ip_address"},
        Invalid{"[2001:db8::1]", "name.ip_address"}, Invalid{"2001:db8::1", "name.ip_address"},
        Invalid{"*.192.0.2.1", "name.ip_address"},
        Invalid{"localhost", "name.single_label"}, Invalid{"com.", "name.single_label"},
        Invalid{"xn--zzzz.example", "name.bad_idn"}, Invalid{"xn--abc-.example", "name.bad_hyphen"},
        Invalid{"xn--ab.com", "name.bad_idn"}, Invalid{"a\xff.example.com", "name.bad_idn"},
        Invalid{"b\xc3\xbc cher.example", "name.bad_idn"}));

TEST(NamesRules, WildcardRefusedWhenNotAllowed) {
  auto result = normalize_dns_name("*.example.com", NameRules{.allow_wildcard = false});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "name.bad_wildcard");
  EXPECT_NE(result.error().message.find("*.example.com"), std::string::npos);
  auto plain = normalize_dns_name("www.example.com", NameRules{.allow_wildcard = false});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "www.example.com");
}

TEST(NamesMessages, NameTheInputLabelAndCharacter) {
  auto result = normalize_dns_name("www.a_b.example.com");
  ASSERT_FALSE(result.ok());
  const auto& message = result.error().message;
  EXPECT_NE(message.find("'www.a_b.example.com'"), std::string::npos) << message;
  EXPECT_NE(message.find("'a_b'"), std::string::npos) << message;
  EXPECT_NE(message.find("underscore"), std::string::npos) << message;
  EXPECT_NE(result.error().hint.find("hyphen"), std::string::npos) << result.error().hint;
}

TEST(NamesMessages, LongLabelIsNamedWithItsLength) {
  auto result = normalize_dns_name("www." + label(64) + ".com");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("'" + label(64) + "'"), std::string::npos);
  EXPECT_NE(result.error().message.find("64 octets"), std::string::npos);
}

TEST(NamesMessages, IdnErrorNamesTheLabel) {
  auto result = normalize_dns_name("ok.xn--zzzz.example");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("'xn--zzzz'"), std::string::npos) << result.error().message;
}

TEST(NamesMessages, ControlBytesAreEscapedNotEchoed) {
  auto result = normalize_dns_name(std::string("evil\0\x1b[31m.com", 14));
  ASSERT_FALSE(result.ok());
  const auto& message = result.error().message;
  EXPECT_EQ(message.find('\0'), std::string::npos);
  EXPECT_EQ(message.find('\x1b'), std::string::npos);
  EXPECT_NE(message.find("\\x00"), std::string::npos) << message;
}

TEST(NamesMessages, InvalidUtf8IsEscapedSoMessagesStayValidUtf8) {
  for (std::string input : {std::string("a\xff.example.com"), std::string("b\xc3\xbc\xc3.example"),
                            std::string("\xed\xa0\x80.example"), std::string("\xc0\xaf.example")}) {
    auto result = normalize_dns_name(input);
    ASSERT_FALSE(result.ok());
    nlohmann::json json = {{"message", result.error().message}, {"hint", result.error().hint}};
    EXPECT_NO_THROW((void)json.dump()) << result.error().message;
  }
}

TEST(NamesDisplay, EscapesControlAndInvalidBytesKeepsValidUtf8) {
  EXPECT_EQ(detail::printable("b\xc3\xbc" "cher", 80), "b\xc3\xbc" "cher");
  EXPECT_EQ(detail::printable(std::string("a\0b\x1b\xff'", 6), 80), "a\\x00b\\x1b\\xff'");
  EXPECT_EQ(detail::printable("\xe2\x82", 80), "\\xe2\\x82");  // cut-short sequence
  EXPECT_EQ(detail::printable(std::string(100, 'a'), 10), std::string(10, 'a') + "...(100 bytes)");
}

TEST(NamesMessages, HugeInputIsShortenedInTheMessage) {
  auto result = normalize_dns_name(std::string(10000, 'a'));
  ASSERT_FALSE(result.ok());
  EXPECT_LT(result.error().message.size(), 300u);
  EXPECT_NE(result.error().message.find("10000"), std::string::npos);
}

TEST(NamesRobustness, ArbitraryBytesNeverCrashAndOutputIsCanonical) {
  std::mt19937 rng(12345);
  const std::string alphabet = std::string("abcXYZ09-.*_/%: \xc3\xbc\xff") + std::string(1, '\0');
  for (int i = 0; i < 3000; ++i) {
    std::size_t len = rng() % 40;
    std::string input;
    for (std::size_t j = 0; j < len; ++j)
      input += (i % 2 == 0) ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng() % 256);
    auto result = normalize_dns_name(input);
    if (result.ok()) {
      auto again = normalize_dns_name(*result);
      ASSERT_TRUE(again.ok()) << *result;
      EXPECT_EQ(*again, *result);
      EXPECT_LE(result->size(), 253u);
    } else {
      EXPECT_EQ(result.error().kind, ErrorKind::InvalidInput);
      EXPECT_EQ(result.error().code.rfind("name.", 0), 0u) << result.error().code;
      EXPECT_NO_THROW((void)nlohmann::json(result.error().message).dump());
    }
  }
}

TEST(NamesWildcard, DetectsAndStripsOnlyALeadingWildcard) {
  EXPECT_TRUE(is_wildcard("*.example.com"));
  EXPECT_FALSE(is_wildcard("www.example.com"));
  EXPECT_FALSE(is_wildcard("*"));
  EXPECT_EQ(wildcard_base("*.example.com"), "example.com");
  EXPECT_EQ(wildcard_base("www.example.com"), "www.example.com");
}

}  // namespace
}  // namespace dcvkit
