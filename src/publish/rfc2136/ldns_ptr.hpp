// unique_ptr owners for ldns objects.
#pragma once

#include <ldns/ldns.h>

#include <memory>

#include "util/c_ptr.hpp"

namespace dcvkit::dns {

template <auto Fn>
using Free = FreeWith<Fn>;

using Resolver = std::unique_ptr<ldns_resolver, Free<ldns_resolver_deep_free>>;
using Pkt = std::unique_ptr<ldns_pkt, Free<ldns_pkt_free>>;
using Rdf = std::unique_ptr<ldns_rdf, Free<ldns_rdf_deep_free>>;
using Rr = std::unique_ptr<ldns_rr, Free<ldns_rr_free>>;
using RrList = std::unique_ptr<ldns_rr_list, Free<ldns_rr_list_deep_free>>;

}  // namespace dcvkit::dns
