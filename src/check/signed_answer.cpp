#include "check/signed_answer.hpp"

#include <ldns/ldns.h>

#include <map>
#include <utility>
#include <vector>

namespace dcvkit::dns {
namespace {

constexpr std::uint16_t kZoneKeyFlag = 0x0100;  // RFC 4034 2.1.1: only zone keys sign RRsets
constexpr std::uint8_t kDnssecProtocol = 3;

// Frees what ldns allocated, whatever the path out.
struct Packet {
  ldns_pkt* pkt = nullptr;
  ~Packet() { ldns_pkt_free(pkt); }
};
struct Dname {
  ldns_rdf* rdf = nullptr;
  ~Dname() { ldns_rdf_deep_free(rdf); }
};
// A list of records owned by someone else (the packet): freeing it frees only the list.
struct View {
  ldns_rr_list* list = ldns_rr_list_new();
  ~View() { ldns_rr_list_free(list); }
  View() = default;
  View(const View&) = delete;
  View& operator=(const View&) = delete;
  View(View&& o) noexcept : list(std::exchange(o.list, nullptr)) {}
  View& operator=(View&& o) noexcept {
    std::swap(list, o.list);
    return *this;
  }
  std::size_t size() const { return ldns_rr_list_rr_count(list); }
};

bool read_packet(const Message& m, Packet& p) {
  return m.wire() && ldns_wire2pkt(&p.pkt, m.wire(), m.size()) == LDNS_STATUS_OK;
}

bool make_dname(std::string_view text, Dname& d) {
  const std::string absolute = text.empty() ? std::string(".") : std::string(text) + ".";
  d.rdf = ldns_dname_new_frm_str(absolute.c_str());
  return d.rdf != nullptr;
}

bool same_name(const ldns_rdf* a, const ldns_rdf* b) { return ldns_dname_compare(a, b) == 0; }

// The RRSIGs in `section` over (`owner`, `type`) made by the zone: another signer's are not ours to trust.
View signatures(const ldns_rr_list* section, const ldns_rdf* owner, ldns_rr_type type, const ldns_rdf* zone) {
  View out;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(section); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(section, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG || !same_name(ldns_rr_owner(rr), owner)) continue;
    const ldns_rdf* covered = ldns_rr_rrsig_typecovered(rr);
    const ldns_rdf* signer = ldns_rr_rrsig_signame(rr);
    if (covered && signer && ldns_rdf2rr_type(covered) == type && same_name(signer, zone)) ldns_rr_list_push_rr(out.list, rr);
  }
  return out;
}

View records(const ldns_rr_list* section, const ldns_rdf* owner, ldns_rr_type type) {
  View out;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(section); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(section, i);
    if (ldns_rr_get_type(rr) == type && (!owner || same_name(ldns_rr_owner(rr), owner))) ldns_rr_list_push_rr(out.list, rr);
  }
  return out;
}

// Every signature is over the name itself: one made for a wildcard needs the proof that no closer
// name exists, which is libunbound's to check.
bool no_wildcard(const View& sigs, const ldns_rdf* owner) {
  for (std::size_t i = 0; i < sigs.size(); ++i) {
    const ldns_rdf* labels = ldns_rr_rrsig_labels(ldns_rr_list_rr(sigs.list, i));
    if (!labels || ldns_rdf2native_int8(labels) != ldns_dname_label_count(owner)) return false;
  }
  return true;
}

bool rrset_verifies(const View& rrset, const View& sigs, const ZoneKeys& keys, std::time_t now) {
  return rrset.size() > 0 && sigs.size() > 0 &&
         ldns_verify_time(rrset.list, sigs.list, keys.keys(), now, nullptr) == LDNS_STATUS_OK;
}

}  // namespace

std::shared_ptr<const ZoneKeys> ZoneKeys::from_answer(const unsigned char* wire, std::size_t size, const std::string& zone) {
  Packet p;
  Dname apex;
  if (!wire || ldns_wire2pkt(&p.pkt, wire, size) != LDNS_STATUS_OK || !make_dname(zone, apex)) return nullptr;
  ldns_rr_list* keys = ldns_rr_list_new();
  const ldns_rr_list* answer = ldns_pkt_answer(p.pkt);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answer, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY || !same_name(ldns_rr_owner(rr), apex.rdf)) continue;
    const ldns_rdf* flags = ldns_rr_dnskey_flags(rr);
    const ldns_rdf* protocol = ldns_rr_dnskey_protocol(rr);
    if (!flags || !protocol || !(ldns_rdf2native_int16(flags) & kZoneKeyFlag) || ldns_rdf2native_int8(protocol) != kDnssecProtocol)
      continue;
    ldns_rr_list_push_rr(keys, ldns_rr_clone(rr));
  }
  if (ldns_rr_list_rr_count(keys) == 0) {
    ldns_rr_list_deep_free(keys);
    return nullptr;
  }
  return std::shared_ptr<const ZoneKeys>(new ZoneKeys(zone, keys));
}

ZoneKeys::~ZoneKeys() { ldns_rr_list_deep_free(keys_); }

std::optional<std::string> answer_signer(const Message& m, std::string_view owner, RrType type) {
  Packet p;
  Dname name;
  if (!read_packet(m, p) || !make_dname(owner, name)) return std::nullopt;
  const ldns_rr_list* answer = ldns_pkt_answer(p.pkt);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answer, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG || !same_name(ldns_rr_owner(rr), name.rdf)) continue;
    const ldns_rdf* covered = ldns_rr_rrsig_typecovered(rr);
    const ldns_rdf* signer = ldns_rr_rrsig_signame(rr);
    if (!covered || !signer || ldns_rdf2rr_type(covered) != static_cast<ldns_rr_type>(type)) continue;
    ldns_rdf* lower = ldns_rdf_clone(signer);
    ldns_dname2canonical(lower);
    char* text = ldns_rdf2str(lower);
    ldns_rdf_deep_free(lower);
    std::string out = text ? text : "";
    free(text);  // NOLINT(cppcoreguidelines-no-malloc): ldns allocates with malloc
    while (!out.empty() && out.back() == '.') out.pop_back();
    return out;
  }
  return std::nullopt;
}

bool answer_proved(const Message& m, std::string_view owner, RrType type, const ZoneKeys& keys, std::time_t now) {
  Packet p;
  Dname name, zone;
  if (!read_packet(m, p) || !make_dname(owner, name) || !make_dname(keys.zone(), zone)) return false;
  const ldns_rr_list* answer = ldns_pkt_answer(p.pkt);
  const auto rr_type = static_cast<ldns_rr_type>(type);
  const View sigs = signatures(answer, name.rdf, rr_type, zone.rdf);
  return no_wildcard(sigs, name.rdf) && rrset_verifies(records(answer, name.rdf, rr_type), sigs, keys, now);
}

bool denial_proved(const Message& m, std::string_view owner, RrType type, const ZoneKeys& keys, std::time_t now) {
  Packet p;
  Dname name, zone;
  if (!read_packet(m, p) || !make_dname(owner, name) || !make_dname(keys.zone(), zone)) return false;
  const auto rr_type = static_cast<ldns_rr_type>(type);
  const ldns_pkt_rcode rcode = ldns_pkt_get_rcode(p.pkt);
  if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) return false;
  // Anything in the answer (a CNAME, the type itself) is no plain denial.
  if (ldns_rr_list_rr_count(ldns_pkt_answer(p.pkt)) != 0) return false;
  const ldns_rr_list* authority = ldns_pkt_authority(p.pkt);
  for (const ldns_rr_type denier : {LDNS_RR_TYPE_NSEC, LDNS_RR_TYPE_NSEC3}) {
    const View proof = records(authority, nullptr, denier);
    if (proof.size() == 0) continue;
    // Each NSEC/NSEC3 set (one per owner) carries a valid signature of the zone.
    std::map<std::string, std::pair<View, View>> by_owner;
    View all_sigs;
    for (std::size_t i = 0; i < proof.size(); ++i) {
      ldns_rr* rr = ldns_rr_list_rr(proof.list, i);
      char* text = ldns_rdf2str(ldns_rr_owner(rr));
      const std::string key = text ? text : "";
      free(text);  // NOLINT(cppcoreguidelines-no-malloc): ldns allocates with malloc
      auto [it, added] = by_owner.try_emplace(key);
      if (added) {
        it->second.second = signatures(authority, ldns_rr_owner(rr), denier, zone.rdf);
        for (std::size_t s = 0; s < it->second.second.size(); ++s)
          ldns_rr_list_push_rr(all_sigs.list, ldns_rr_list_rr(it->second.second.list, s));
      }
      ldns_rr_list_push_rr(it->second.first.list, rr);
    }
    for (const auto& [unused, set] : by_owner)
      if (!rrset_verifies(set.first, set.second, keys, now)) return false;
    // A name whose NSEC lists a CNAME would have been answered with it.
    if (denier == LDNS_RR_TYPE_NSEC)
      for (std::size_t i = 0; i < proof.size(); ++i) {
        ldns_rr* rr = ldns_rr_list_rr(proof.list, i);
        if (same_name(ldns_rr_owner(rr), name.rdf) &&
            ldns_nsec_bitmap_covers_type(ldns_nsec_get_bitmap(rr), LDNS_RR_TYPE_CNAME))
          return false;
      }
    // An empty non-terminal (a name that exists only for its children, like www above _dnsauth.www):
    // the NSEC before it leads to a name below it (RFC 4035 3.1.3.2); no wildcard can stand for it.
    if (denier == LDNS_RR_TYPE_NSEC && rcode == LDNS_RCODE_NOERROR)
      for (std::size_t i = 0; i < proof.size(); ++i) {
        ldns_rr* rr = ldns_rr_list_rr(proof.list, i);
        const ldns_rdf* next = ldns_rr_rdf(rr, 0);
        if (next && !same_name(ldns_rr_owner(rr), name.rdf) && ldns_nsec_covers_name(rr, name.rdf) &&
            ldns_dname_is_subdomain(next, name.rdf))
          return true;
      }
    ldns_rr* query = ldns_rr_new();
    ldns_rr_set_owner(query, ldns_rdf_clone(name.rdf));
    ldns_rr_set_type(query, rr_type);
    ldns_rr_set_class(query, LDNS_RR_CLASS_IN);
    const ldns_status proved =
        denier == LDNS_RR_TYPE_NSEC
            ? ldns_dnssec_verify_denial(query, proof.list, all_sigs.list)
            : ldns_dnssec_verify_denial_nsec3(query, proof.list, all_sigs.list, rcode, rr_type, true);
    ldns_rr_free(query);
    return proved == LDNS_STATUS_OK;
  }
  return false;
}

}  // namespace dcvkit::dns
