// Which provider publishes: one of the options the publish registry's providers are chosen by
// (--webroot, --server, --hook, --print, ...), with the options each of them reads.
#pragma once

#include <cxxopts.hpp>
#include <memory>
#include <string>

#include "dcvkit/publish.hpp"
#include "dcvkit/publish_spec.hpp"

namespace dcvkit::cli {

void add_publisher_options(cxxopts::Options& options);

struct PublisherChoice {
  PublisherSpec spec;
  std::unique_ptr<Publisher> publisher;  // null when the provider prints instead (--print)
  // The records as text, for a provider that prints instead of publishing.
  std::string print(const std::vector<PublishItem>& items, PublishAction action) const;
};

Result<PublisherChoice> publisher_from_args(const cxxopts::ParseResult& args, DcvMethod method);

}  // namespace dcvkit::cli
