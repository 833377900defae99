#include "check/signed_answer.hpp"

#include <ldns/ldns.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <cstdio>
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

// The signer of `rr` when it is an RRSIG over (`owner`, `type`); null otherwise.
const ldns_rdf* signer_over(const ldns_rr* rr, const ldns_rdf* owner, ldns_rr_type type) {
  if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG || !same_name(ldns_rr_owner(rr), owner)) return nullptr;
  const ldns_rdf* covered = ldns_rr_rrsig_typecovered(rr);
  return covered && ldns_rdf2rr_type(covered) == type ? ldns_rr_rrsig_signame(rr) : nullptr;
}

// The RRSIGs in `section` over (`owner`, `type`) made by the zone: another signer's are not ours to trust.
View signatures(const ldns_rr_list* section, const ldns_rdf* owner, ldns_rr_type type, const ldns_rdf* zone) {
  View out;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(section); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(section, i);
    if (const ldns_rdf* signer = signer_over(rr, owner, type); signer && same_name(signer, zone)) ldns_rr_list_push_rr(out.list, rr);
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

// DNSSEC algorithm numbers (RFC 8624) checked here.
constexpr std::uint8_t kRsaSha256 = 8, kRsaSha512 = 10, kEcdsaP256 = 13, kEcdsaP384 = 14, kEd25519 = 15;

EVP_PKEY* from_params(const char* type, OSSL_PARAM* params) {
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) pkey = nullptr;
  EVP_PKEY_CTX_free(ctx);
  return pkey;
}

// The DNSKEY public key field as an OpenSSL key (RFC 3110 for RSA, RFC 6605 for ECDSA, RFC 8080).
EVP_PKEY* import_key(std::uint8_t algorithm, const unsigned char* key, std::size_t size) {
  if (algorithm == kEcdsaP256 || algorithm == kEcdsaP384) {
    const std::size_t point = algorithm == kEcdsaP256 ? 64 : 96;
    if (size != point) return nullptr;
    std::vector<unsigned char> pub(1 + size, 0x04);  // uncompressed point: 04 || x || y
    std::copy(key, key + size, pub.begin() + 1);
    char group[16];
    std::snprintf(group, sizeof group, "%s", algorithm == kEcdsaP256 ? "prime256v1" : "secp384r1");
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                           OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()),
                           OSSL_PARAM_construct_end()};
    return from_params("EC", params);
  }
  if (algorithm == kEd25519) return size == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key, size) : nullptr;
  if (algorithm != kRsaSha256 && algorithm != kRsaSha512) return nullptr;
  // Exponent length in one byte, or 0 and two bytes; then the exponent; the modulus is the rest.
  std::size_t at = 1, elen = size > 0 ? key[0] : 0;
  if (elen == 0 && size >= 3) {
    elen = (std::size_t{key[1]} << 8) | key[2];
    at = 3;
  }
  if (elen == 0 || at + elen >= size) return nullptr;
  BIGNUM* e = BN_bin2bn(key + at, static_cast<int>(elen), nullptr);
  BIGNUM* n = BN_bin2bn(key + at + elen, static_cast<int>(size - at - elen), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  if (e && n && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
    params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY* pkey = params ? from_params("RSA", params) : nullptr;
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(e);
  BN_free(n);
  return pkey;
}

// The signature as EVP_DigestVerify takes it: DER for ECDSA (DNSSEC sends r || s), as sent otherwise.
std::vector<unsigned char> signature_bytes(std::uint8_t algorithm, const ldns_rdf* sig) {
  const unsigned char* raw = ldns_rdf_data(sig);
  const std::size_t size = ldns_rdf_size(sig);
  if (algorithm != kEcdsaP256 && algorithm != kEcdsaP384) return {raw, raw + size};
  std::vector<unsigned char> der;
  ECDSA_SIG* s = ECDSA_SIG_new();
  const int half = static_cast<int>(size / 2);
  BIGNUM* r = BN_bin2bn(raw, half, nullptr);
  BIGNUM* sv = BN_bin2bn(raw + half, half, nullptr);
  if (s && r && sv && size % 2 == 0 && ECDSA_SIG_set0(s, r, sv) == 1) {
    r = sv = nullptr;  // owned by s now
    const int len = i2d_ECDSA_SIG(s, nullptr);
    if (len > 0) {
      der.resize(static_cast<std::size_t>(len));
      unsigned char* out = der.data();
      i2d_ECDSA_SIG(s, &out);
    }
  }
  BN_free(r);
  BN_free(sv);
  ECDSA_SIG_free(s);
  return der;
}

// RFC 4034 3.1.5: the window in serial-number arithmetic (32-bit times wrap in 2106).
bool within_window(const ldns_rr* sig, std::time_t now) {
  const ldns_rdf* inception = ldns_rr_rrsig_inception(sig);
  const ldns_rdf* expiration = ldns_rr_rrsig_expiration(sig);
  if (!inception || !expiration) return false;
  const auto t = static_cast<std::uint32_t>(now);
  return static_cast<std::int32_t>(t - ldns_rdf2native_int32(inception)) >= 0 &&
         static_cast<std::int32_t>(ldns_rdf2native_int32(expiration) - t) >= 0;
}

// RFC 4034 3.1.8.1: the RRSIG's fields without the signature, then the set in canonical form (lower-case
// names, the original TTL, sorted), laid out by ldns.
bool signed_data(const View& rrset, const ldns_rr* sig, ldns_buffer* out) {
  ldns_rr* head = ldns_rr_clone(sig);
  ldns_rr_list* set = ldns_rr_list_clone(rrset.list);
  bool ok = head && set;
  if (ok) {
    ldns_dname2canonical(ldns_rr_rrsig_signame(head));
    const std::uint32_t ttl = ldns_rdf2native_int32(ldns_rr_rrsig_origttl(sig));
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(set); ++i) {
      ldns_rr* rr = ldns_rr_list_rr(set, i);
      ldns_rr_set_ttl(rr, ttl);
      ldns_rr2canonical(rr);
    }
    ldns_rr_list_sort(set);
    ok = ldns_rrsig2buffer_wire(out, head) == LDNS_STATUS_OK && ldns_rr_list2buffer_wire(out, set) == LDNS_STATUS_OK;
  }
  ldns_rr_free(head);
  ldns_rr_list_deep_free(set);
  return ok;
}

bool signature_verifies(const View& rrset, const ldns_rr* sig, const ZoneKeys& keys, std::time_t now) {
  const ldns_rdf* alg = ldns_rr_rrsig_algorithm(sig);
  const ldns_rdf* tag = ldns_rr_rrsig_keytag(sig);
  const ldns_rdf* value = ldns_rr_rrsig_sig(sig);
  if (!alg || !tag || !value || !ldns_rr_rrsig_origttl(sig) || !within_window(sig, now)) return false;
  const std::uint8_t algorithm = ldns_rdf2native_int8(alg);
  const std::uint16_t key_tag = ldns_rdf2native_int16(tag);
  ldns_buffer* data = nullptr;
  std::vector<unsigned char> signature;
  bool ok = false;
  for (const ZoneKeys::Key& key : keys.keys()) {
    if (key.algorithm != algorithm || key.tag != key_tag) continue;
    if (!data) {
      data = ldns_buffer_new(LDNS_MAX_PACKETLEN);
      if (!data || !signed_data(rrset, sig, data)) break;
      signature = signature_bytes(algorithm, value);
    }
    const EVP_MD* md = algorithm == kEd25519 ? nullptr
                       : algorithm == kRsaSha512 ? EVP_sha512()
                       : algorithm == kEcdsaP384 ? EVP_sha384()
                                                 : EVP_sha256();
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key.pkey) == 1 &&
         EVP_DigestVerify(ctx, signature.data(), signature.size(), ldns_buffer_begin(data), ldns_buffer_position(data)) == 1;
    EVP_MD_CTX_free(ctx);
    if (ok) break;
  }
  ldns_buffer_free(data);
  return ok;
}

// One valid signature of the zone over the set is enough (RFC 4035 5.3.3).
bool rrset_verifies(const View& rrset, const View& sigs, const ZoneKeys& keys, std::time_t now) {
  if (rrset.size() == 0) return false;
  for (std::size_t i = 0; i < sigs.size(); ++i)
    if (signature_verifies(rrset, ldns_rr_list_rr(sigs.list, i), keys, now)) return true;
  return false;
}

}  // namespace

std::shared_ptr<const ZoneKeys> ZoneKeys::from_answer(const unsigned char* wire, std::size_t size, const std::string& zone) {
  Packet p;
  Dname apex;
  if (!wire || ldns_wire2pkt(&p.pkt, wire, size) != LDNS_STATUS_OK || !make_dname(zone, apex)) return nullptr;
  std::shared_ptr<ZoneKeys> out(new ZoneKeys(zone));
  const ldns_rr_list* answer = ldns_pkt_answer(p.pkt);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answer, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY || !same_name(ldns_rr_owner(rr), apex.rdf)) continue;
    const ldns_rdf* flags = ldns_rr_dnskey_flags(rr);
    const ldns_rdf* protocol = ldns_rr_dnskey_protocol(rr);
    const ldns_rdf* algorithm = ldns_rr_dnskey_algorithm(rr);
    const ldns_rdf* key = ldns_rr_dnskey_key(rr);
    if (!flags || !protocol || !algorithm || !key || !(ldns_rdf2native_int16(flags) & kZoneKeyFlag) ||
        ldns_rdf2native_int8(protocol) != kDnssecProtocol)
      continue;
    Key k;
    k.algorithm = ldns_rdf2native_int8(algorithm);
    k.tag = ldns_calc_keytag(rr);
    k.pkey = import_key(k.algorithm, ldns_rdf_data(key), ldns_rdf_size(key));
    if (k.pkey) out->keys_.push_back(k);
  }
  if (out->keys_.empty()) return nullptr;
  return out;
}

ZoneKeys::~ZoneKeys() {
  for (const Key& k : keys_) EVP_PKEY_free(k.pkey);
}

std::optional<std::string> answer_signer(const Message& m, std::string_view owner, RrType type) {
  Packet p;
  Dname name;
  if (!read_packet(m, p) || !make_dname(owner, name)) return std::nullopt;
  const ldns_rr_list* answer = ldns_pkt_answer(p.pkt);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
    const ldns_rdf* signer = signer_over(ldns_rr_list_rr(answer, i), name.rdf, static_cast<ldns_rr_type>(type));
    if (!signer) continue;
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
