// unique_ptr owners for ldns objects, and the one place ldns statuses become our errors' words.
#pragma once

#include <ldns/ldns.h>

#include <memory>

namespace dcvkit::dns {

template <auto Fn>
struct Free {
  template <class T>
  void operator()(T* p) const { Fn(p); }
};

using Resolver = std::unique_ptr<ldns_resolver, Free<ldns_resolver_deep_free>>;
using Pkt = std::unique_ptr<ldns_pkt, Free<ldns_pkt_free>>;
using Rdf = std::unique_ptr<ldns_rdf, Free<ldns_rdf_deep_free>>;
using Rr = std::unique_ptr<ldns_rr, Free<ldns_rr_free>>;
using RrList = std::unique_ptr<ldns_rr_list, Free<ldns_rr_list_deep_free>>;

}  // namespace dcvkit::dns
