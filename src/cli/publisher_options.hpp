// Which backend publishes: --webroot | --webroot-map | --server (RFC 2136) | --hook | --print.
#pragma once

#include <cxxopts.hpp>
#include <memory>
#include <string>

#include "dcvkit/publish.hpp"

namespace dcvkit::cli {

void add_publisher_options(cxxopts::Options& options);

struct PublisherChoice {
  std::unique_ptr<Publisher> publisher;  // null with --print
  std::string print;                     // "zone" or "nsupdate" with --print
};

Result<PublisherChoice> publisher_from_args(const cxxopts::ParseResult& args, DcvMethod method);

}  // namespace dcvkit::cli
