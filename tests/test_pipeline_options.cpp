// What the pipeline is given and shares across a run: the AuthKey only as a keyed token engine,
// never as text to copy; one publisher per distinct publish spec.
#include <gtest/gtest.h>

#include <type_traits>

#include "dcvkit/pipeline.hpp"
#include "pipeline/publisher_cache.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit;

static_assert(std::is_same_v<decltype(PipelineOptions::token_engine), std::shared_ptr<const TokenEngine>>,
              "the AuthKey stays behind a keyed engine all the way into the pipeline");

TEST(PipelineOptions, CopiesShareOneKeyedEngine) {
  auto engine = TokenEngine::create("an AuthKey for the test");
  ASSERT_TRUE(engine);
  auto expected = engine->compute("CSR", 1'700'000'000);
  ASSERT_TRUE(expected);
  PipelineOptions o;
  o.token_engine = std::make_shared<const TokenEngine>(std::move(*engine));
  const PipelineOptions copy = o;  // run_pipeline copies its options for the workers
  EXPECT_EQ(copy.token_engine.get(), o.token_engine.get());
  auto clone = copy.token_engine->clone();
  ASSERT_TRUE(clone);
  EXPECT_EQ(*clone->compute("CSR", 1'700'000'000), *expected);
}

TEST(PublisherCache, OnePublisherPerDistinctSpecFailuresNotKept) {
  test::TempDir dir;
  pipeline::PublisherCache cache;
  PublisherSpec a;
  a.path = dir.file("a");
  PublisherSpec b = a;
  b.path = dir.file("b");
  auto first = cache.get(a, DcvMethod::Http);
  auto again = cache.get(a, DcvMethod::Http);
  auto other = cache.get(b, DcvMethod::Http);
  ASSERT_TRUE(first && again && other);
  EXPECT_EQ(*first, *again) << "the same spec: the same publisher";
  EXPECT_NE(*first, *other);
  EXPECT_EQ(cache.size(), 2u);

  PublisherSpec map;
  map.kind = PublisherSpec::Kind::WebrootMap;
  map.path = dir.file("webroots.tsv");
  auto missing = cache.get(map, DcvMethod::Http);
  ASSERT_FALSE(missing);
  EXPECT_EQ(cache.size(), 2u) << "a failure is not kept";
  dir.write("webroots.tsv", "example.com\t" + dir.file("a") + "\n");
  EXPECT_TRUE(cache.get(map, DcvMethod::Http)) << "the next call tries again";
  EXPECT_EQ(cache.size(), 3u);
}

}  // namespace
