#include "check/dns_message.hpp"

#include <arpa/inet.h>
#include <ldns/ldns.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "publish/ldns_ptr.hpp"

namespace dcvkit::dns {
namespace {

std::string name_text(const ldns_rdf* rdf) {
  if (!rdf) return {};
  char* raw = ldns_rdf2str(rdf);
  if (!raw) return {};
  std::string s(raw);
  std::free(raw);
  if (!s.empty() && s.back() == '.') s.pop_back();
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string address_text(const ldns_rdf* rdf, int family) {
  char buf[INET6_ADDRSTRLEN] = {};
  const std::size_t want = family == AF_INET ? 4 : 16;
  if (!rdf || ldns_rdf_size(rdf) != want || !inet_ntop(family, ldns_rdf_data(rdf), buf, sizeof buf)) return {};
  return buf;
}

// Character-strings are length-prefixed; the CA concatenates them, so must we, byte for byte.
std::string txt_joined(const ldns_rr* rr) {
  std::string joined;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
    const std::size_t size = ldns_rdf_size(rdf);
    if (size == 0) continue;
    const auto* p = ldns_rdf_data(rdf);
    const std::size_t len = std::min<std::size_t>(p[0], size - 1);
    joined.append(reinterpret_cast<const char*>(p + 1), len);
  }
  return joined;
}

std::vector<DnsRecord> records(const ldns_rr_list* list) {
  std::vector<DnsRecord> out;
  if (!list) return out;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(list, i);
    if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) continue;
    DnsRecord r;
    r.owner = name_text(ldns_rr_owner(rr));
    switch (ldns_rr_get_type(rr)) {
      case LDNS_RR_TYPE_A: r.type = RrType::A; r.data = address_text(ldns_rr_rdf(rr, 0), AF_INET); break;
      case LDNS_RR_TYPE_AAAA: r.type = RrType::AAAA; r.data = address_text(ldns_rr_rdf(rr, 0), AF_INET6); break;
      case LDNS_RR_TYPE_NS: r.type = RrType::NS; r.data = name_text(ldns_rr_rdf(rr, 0)); break;
      case LDNS_RR_TYPE_CNAME: r.type = RrType::CNAME; r.data = name_text(ldns_rr_rdf(rr, 0)); break;
      case LDNS_RR_TYPE_SOA: r.type = RrType::SOA; break;
      case LDNS_RR_TYPE_TXT: r.type = RrType::TXT; r.data = txt_joined(rr); break;
      default: continue;
    }
    if ((r.type == RrType::A || r.type == RrType::AAAA) && r.data.empty()) continue;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::optional<DnsMessage> parse_dns_message(const unsigned char* data, std::size_t size) {
  if (!data || size == 0) return std::nullopt;
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, data, size) != LDNS_STATUS_OK) return std::nullopt;
  Pkt pkt(raw);
  DnsMessage m;
  m.rcode = static_cast<int>(ldns_pkt_get_rcode(pkt.get()));
  m.answer = records(ldns_pkt_answer(pkt.get()));
  m.authority = records(ldns_pkt_authority(pkt.get()));
  m.additional = records(ldns_pkt_additional(pkt.get()));
  return m;
}

std::string rcode_text(int rcode) {
  switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    default: return "RCODE" + std::to_string(rcode);
  }
}

const char* type_text(RrType type) {
  switch (type) {
    case RrType::A: return "A";
    case RrType::NS: return "NS";
    case RrType::CNAME: return "CNAME";
    case RrType::SOA: return "SOA";
    case RrType::TXT: return "TXT";
    case RrType::AAAA: return "AAAA";
  }
  return "?";
}

}  // namespace dcvkit::dns
