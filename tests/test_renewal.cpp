// Renewal selection (`dcvkit run --renew-within`) in the library, with an injected clock: exactly
// the done certificates whose notAfter falls inside the window go back to a new order.
#include <gtest/gtest.h>

#include "dcvkit/ledger.hpp"
#include "dcvkit/pipeline.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit;

constexpr UnixSeconds kNow = 1'800'000'000;
constexpr UnixSeconds kDay = 86400;

// An entry taken all the way to done, its certificate valid until `not_after`.
void issue(Ledger& l, const std::string& id, UnixSeconds not_after) {
  ASSERT_TRUE(l.upsert(id, "{}"));
  ASSERT_TRUE(l.record_csr(id, "/k/" + id + ".key", "/k/" + id + ".csr"));
  ASSERT_TRUE(l.record_token(id, "t", kNow - kDay));
  ASSERT_TRUE(l.record_published(id, "{}"));
  ASSERT_TRUE(l.record_checked(id, "{}"));
  ASSERT_TRUE(l.record_order_intent(id, kNow).ok());
  ASSERT_TRUE(l.record_chain(id, 1, 2, "-----BEGIN CERTIFICATE-----", not_after));
  ASSERT_TRUE(l.record_written(id, "/out/" + id, not_after, {}));
  ASSERT_TRUE(l.record_done(id, "{}"));
}

TEST(Renewal, SelectsExactlyTheDoneCertificatesInsideTheWindow) {
  test::TempDir dir;
  FixedClock clock(kNow);
  auto opened = Ledger::open(dir.file("run.db"), clock);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Ledger& l = **opened;
  issue(l, "expired", kNow - kDay);
  issue(l, "edge", kNow + 30 * kDay);       // exactly at the window's end: renewed
  issue(l, "later", kNow + 30 * kDay + 1);  // one second past it: kept
  issue(l, "far", kNow + 90 * kDay);
  ASSERT_TRUE(l.upsert("unfinished", "{}"));  // not done: nothing to renew

  auto selected = select_renewals(l, 30 * kDay, clock);
  ASSERT_TRUE(selected.ok()) << selected.error().message;
  EXPECT_EQ(*selected, 2u);
  for (const char* id : {"expired", "edge"}) {
    auto e = l.get(id);
    ASSERT_TRUE(e.ok() && e->has_value());
    EXPECT_EQ((*e)->stage, Stage::CsrReady) << id << ": a new token and order, the same key";
    EXPECT_EQ((*e)->key_path, std::string("/k/") + id + ".key") << id;
  }
  for (const char* id : {"later", "far"}) EXPECT_EQ((*l.get(id))->stage, Stage::Done) << id;
  EXPECT_EQ((*l.get("unfinished"))->stage, Stage::New);

  // The clock decides: a month later the next one is due.
  clock.advance(31 * kDay);
  auto again = select_renewals(l, 30 * kDay, clock);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 1u);
  EXPECT_EQ((*l.get("later"))->stage, Stage::CsrReady);
  EXPECT_EQ((*l.get("far"))->stage, Stage::Done);
}

}  // namespace
