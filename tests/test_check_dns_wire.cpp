// The DNS probe's wire reader (check/dns_message): what it reads out of real-looking answers, and
// that malformed ones (truncation, compression loops, forward pointers, overlong names) are
// rejected instead of read past their end.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "check/dns_message.hpp"

namespace {

using dcvkit::dns::Message;
using dcvkit::dns::RecordRef;
using dcvkit::dns::RrType;
using dcvkit::dns::Section;
using Bytes = std::vector<unsigned char>;

void u16(Bytes& b, unsigned v) {
  b.push_back(static_cast<unsigned char>(v >> 8));
  b.push_back(static_cast<unsigned char>(v & 0xff));
}

// Labels as given (no escaping): {"shop", "example", "test"}.
void name(Bytes& b, const std::vector<std::string>& labels) {
  for (const auto& l : labels) {
    b.push_back(static_cast<unsigned char>(l.size()));
    b.insert(b.end(), l.begin(), l.end());
  }
  b.push_back(0);
}

void pointer(Bytes& b, unsigned offset) { u16(b, 0xC000 | offset); }

Bytes header(int rcode, unsigned qd, unsigned an, unsigned ns, unsigned ar) {
  Bytes b = {0x12, 0x34, 0x84, static_cast<unsigned char>(rcode)};
  for (unsigned n : {qd, an, ns, ar}) u16(b, n);
  return b;
}

// Type, class IN, TTL 60, then rdata with its length filled in.
void rr_fixed(Bytes& b, unsigned type, const Bytes& rdata, unsigned klass = 1) {
  u16(b, type);
  u16(b, klass);
  b.insert(b.end(), {0, 0, 0, 60});
  u16(b, static_cast<unsigned>(rdata.size()));
  b.insert(b.end(), rdata.begin(), rdata.end());
}

Bytes txt_rdata(const std::vector<std::string>& strings) {
  Bytes r;
  for (const auto& s : strings) {
    r.push_back(static_cast<unsigned char>(s.size()));
    r.insert(r.end(), s.begin(), s.end());
  }
  return r;
}

constexpr unsigned kQuestionName = 12;  // offset of the question's name, right after the header

// NXDOMAIN-ish answer for _dnsauth.Shop.Example.TEST with a bit of everything.
Bytes rich_answer() {
  Bytes b = header(3, 1, 3, 1, 3);
  name(b, {"_dnsauth", "Shop", "Example", "TEST"});
  u16(b, 16);
  u16(b, 1);
  // answer: TXT (two strings), CNAME (compressed target), TXT at another owner
  pointer(b, kQuestionName);
  rr_fixed(b, 16, txt_rdata({"2026abc", "def"}));
  pointer(b, kQuestionName);
  Bytes target;
  target.push_back(3);
  target.insert(target.end(), {'w', 'w', 'w'});
  target.push_back(0xC0);
  target.push_back(static_cast<unsigned char>(kQuestionName + 9));  // -> Shop.Example.TEST
  rr_fixed(b, 5, target);
  Bytes other;
  name(other, {"other", "test"});
  b.insert(b.end(), other.begin(), other.end());
  rr_fixed(b, 16, txt_rdata({""}));
  // authority: SOA of example.test
  pointer(b, kQuestionName + 14);  // -> Example.TEST
  Bytes soa;
  name(soa, {"ns1", "example", "test"});
  name(soa, {"hostmaster", "example", "test"});
  for (int i = 0; i < 20; ++i) soa.push_back(static_cast<unsigned char>(i));
  rr_fixed(b, 6, soa);
  // additional: A, AAAA, OPT (ignored)
  pointer(b, kQuestionName + 9);
  rr_fixed(b, 1, {127, 0, 0, 2});
  pointer(b, kQuestionName + 9);
  rr_fixed(b, 28, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  b.push_back(0);
  rr_fixed(b, 41, {}, 1232);
  return b;
}

TEST(CheckDnsWire, ReadsEveryFollowedType) {
  const Bytes wire = rich_answer();
  Message m;
  ASSERT_TRUE(m.parse(wire.data(), wire.size()));
  EXPECT_EQ(m.rcode(), 3);
  const auto& recs = m.records();
  ASSERT_EQ(recs.size(), 6u);  // the OPT record is not one of them
  char buf[dcvkit::dns::kMaxNameText];

  EXPECT_EQ(recs[0].type, RrType::TXT);
  EXPECT_EQ(recs[0].section, Section::Answer);
  EXPECT_EQ(m.owner(recs[0], buf), "_dnsauth.shop.example.test");  // lower-cased
  EXPECT_TRUE(m.owner_is(recs[0], "_dnsauth.shop.example.test"));
  EXPECT_EQ(m.txt(recs[0]), "2026abcdef");  // strings joined, as the CA reads them

  EXPECT_EQ(recs[1].type, RrType::CNAME);
  EXPECT_EQ(m.target(recs[1]), "www.shop.example.test");

  EXPECT_EQ(m.owner(recs[2], buf), "other.test");
  EXPECT_EQ(m.txt(recs[2]), "");

  EXPECT_EQ(recs[3].type, RrType::SOA);
  EXPECT_EQ(recs[3].section, Section::Authority);
  EXPECT_EQ(m.owner(recs[3], buf), "example.test");

  EXPECT_EQ(recs[4].section, Section::Additional);
  EXPECT_EQ(m.address(recs[4]), "127.0.0.2");
  EXPECT_EQ(m.owner(recs[4], buf), "shop.example.test");
  EXPECT_EQ(m.address(recs[5]), "::1");
  // Accessors of another type give nothing.
  EXPECT_EQ(m.txt(recs[1]), "");
  EXPECT_EQ(m.target(recs[0]), "");
  EXPECT_EQ(m.address(recs[0]), "");
}

TEST(CheckDnsWire, NamesAreEscapedLikeAZoneFile) {
  Bytes b = header(0, 0, 1, 0, 0);
  name(b, {std::string("a.b"), std::string("x\\y"), std::string("sp ace"), std::string(1, '\0') + "\x7f", "Z"});
  rr_fixed(b, 1, {10, 0, 0, 1});
  Message m;
  ASSERT_TRUE(m.parse(b.data(), b.size()));
  ASSERT_EQ(m.records().size(), 1u);
  char buf[dcvkit::dns::kMaxNameText];
  EXPECT_EQ(m.owner(m.records()[0], buf), "a\\.b.x\\\\y.sp\\032ace.\\000\\127.z");
  EXPECT_FALSE(m.owner_is(m.records()[0], "a.b.x\\y.sp ace"));
}

TEST(CheckDnsWire, RootNameIsEmpty) {
  Bytes b = header(0, 1, 1, 0, 0);
  b.push_back(0);  // question: the root
  u16(b, 6);
  u16(b, 1);
  b.push_back(0);
  Bytes soa = {0, 0};
  for (int i = 0; i < 20; ++i) soa.push_back(0);
  rr_fixed(b, 6, soa);
  Message m;
  ASSERT_TRUE(m.parse(b.data(), b.size()));
  ASSERT_EQ(m.records().size(), 1u);
  EXPECT_TRUE(m.owner_is(m.records()[0], ""));
}

TEST(CheckDnsWire, AddressOfTheWrongSizeIsSkipped) {
  Bytes b = header(0, 0, 2, 0, 0);
  name(b, {"a", "test"});
  rr_fixed(b, 1, {127, 0, 0});
  pointer(b, 12);
  rr_fixed(b, 28, {127, 0, 0, 1});
  Message m;
  ASSERT_TRUE(m.parse(b.data(), b.size()));
  EXPECT_TRUE(m.records().empty());
}

TEST(CheckDnsWire, OtherClassesAndTypesAreSkipped) {
  Bytes b = header(0, 0, 2, 0, 0);
  name(b, {"a", "test"});
  rr_fixed(b, 16, txt_rdata({"chaos"}), 3);  // class CH
  pointer(b, 12);
  rr_fixed(b, 46, {1, 2, 3});  // RRSIG: not followed, not checked
  Message m;
  ASSERT_TRUE(m.parse(b.data(), b.size()));
  EXPECT_TRUE(m.records().empty());
}

// Every malformation is a rejected message, never a read outside it (ASan checks the latter).
TEST(CheckDnsWire, RejectsMalformedMessages) {
  Message m;
  auto rejects = [&](const Bytes& b, const char* what) {
    EXPECT_FALSE(m.parse(b.data(), b.size())) << what;
    // Every prefix too: truncation anywhere.
    for (std::size_t n = 0; n < b.size(); ++n) EXPECT_FALSE(m.parse(b.data(), n)) << what << ", first " << n << " bytes";
  };
  EXPECT_FALSE(m.parse(nullptr, 0));

  {
    Bytes b = header(0, 0, 1, 0, 0);  // pointer to itself
    pointer(b, 12);
    rr_fixed(b, 1, {1, 2, 3, 4});
    rejects(b, "self pointer");
  }
  {
    Bytes b = header(0, 0, 1, 0, 0);  // pointer forward, into the rdata
    pointer(b, 24);
    rr_fixed(b, 1, {1, 2, 3, 4});
    rejects(b, "forward pointer");
  }
  {
    Bytes b = header(0, 0, 1, 0, 0);  // label, then a pointer back to it: a loop that grows the name
    b.insert(b.end(), {1, 'a'});
    pointer(b, 12);
    rr_fixed(b, 1, {1, 2, 3, 4});
    rejects(b, "label loop");
  }
  {
    Bytes b = header(0, 0, 1, 0, 0);  // 5 x 63-byte labels: 321 bytes, over 255
    name(b, std::vector<std::string>(5, std::string(63, 'a')));
    rr_fixed(b, 1, {1, 2, 3, 4});
    rejects(b, "name over 255 bytes");
  }
  {
    Bytes b = header(0, 0, 1, 0, 0);  // label type 01 (extended)
    b.insert(b.end(), {0x41, 'a', 0});
    rr_fixed(b, 1, {1, 2, 3, 4});
    rejects(b, "extended label type");
  }
  {
    Bytes b = header(0, 0, 1, 0, 0);  // TXT string longer than the rdata
    name(b, {"a"});
    rr_fixed(b, 16, {5, 'a', 'b'});
    rejects(b, "TXT string overrun");
  }
  {
    Bytes b = header(0, 0, 1, 0, 0);  // CNAME whose target runs past the rdata
    name(b, {"a"});
    rr_fixed(b, 5, {3, 'w', 'w'});
    b.insert(b.end(), {'w', 0});
    rejects(b, "CNAME target overrun");
  }
  {
    Bytes b = header(0, 0, 1, 0, 0);  // SOA with a short fixed part
    name(b, {"a"});
    Bytes soa = {0, 0, 1, 2, 3};
    rr_fixed(b, 6, soa);
    rejects(b, "short SOA");
  }
  {
    Bytes b = header(0, 0, 2, 0, 0);  // counts promise more records than there are
    name(b, {"a"});
    rr_fixed(b, 1, {1, 2, 3, 4});
    EXPECT_FALSE(m.parse(b.data(), b.size())) << "missing record";
  }
  {
    Bytes b = header(0, 0, 1, 0, 0);  // rdlength past the end
    name(b, {"a"});
    rr_fixed(b, 1, {1, 2, 3, 4});
    b[b.size() - 5] = 9;
    EXPECT_FALSE(m.parse(b.data(), b.size())) << "rdlength past the end";
  }
}

TEST(CheckDnsWire, AMessageReusedForASmallerOneForgetsTheOld) {
  const Bytes wire = rich_answer();
  Message m;
  ASSERT_TRUE(m.parse(wire.data(), wire.size()));
  EXPECT_EQ(m.records().size(), 6u);
  const Bytes empty = header(2, 0, 0, 0, 0);
  ASSERT_TRUE(m.parse(empty.data(), empty.size()));
  EXPECT_TRUE(m.records().empty());
  EXPECT_EQ(m.rcode(), 2);
}

TEST(CheckDnsWire, RcodeText) {
  EXPECT_EQ(dcvkit::dns::rcode_text(0), "NOERROR");
  EXPECT_EQ(dcvkit::dns::rcode_text(5), "REFUSED");
  EXPECT_EQ(dcvkit::dns::rcode_text(9), "RCODE9");
}

}  // namespace
