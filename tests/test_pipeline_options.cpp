// What the pipeline is given: the AuthKey only as a keyed token engine, never as text to copy.
#include <gtest/gtest.h>

#include <type_traits>

#include "dcvkit/pipeline.hpp"

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

}  // namespace
