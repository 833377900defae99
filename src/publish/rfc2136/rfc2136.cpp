// RFC 2136 dynamic update with ldns. Each call builds its own resolver, so calls run in parallel
// from the batch runner's threads; the zone of each owner is found once (SOA query) and cached.
#include <arpa/inet.h>
#include <netdb.h>

#include <map>
#include <mutex>

#include "dcvkit/publish_rfc2136.hpp"
#include "publish/rfc2136/ldns_ptr.hpp"

namespace dcvkit {
namespace {

constexpr std::uint16_t kTsigBadSig = 16, kTsigBadKey = 17, kTsigBadTime = 18;

std::string rcode_name(ldns_pkt_rcode rcode) {
  const ldns_lookup_table* lt = ldns_lookup_by_id(ldns_rcodes, static_cast<int>(rcode));
  return lt ? lt->name : "RCODE" + std::to_string(static_cast<int>(rcode));
}

// The TSIG error field (RFC 8945) of a response, 0 when absent.
std::uint16_t tsig_error(const ldns_pkt* pkt) {
  const ldns_rr* tsig = ldns_pkt_tsig(pkt);
  if (!tsig || ldns_rr_rd_count(tsig) < 6) return 0;
  return ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5));
}

class Rfc2136Publisher final : public Publisher {
 public:
  Rfc2136Publisher(Rfc2136Options options, dns::Rdf server_address)
      : options_(std::move(options)), server_address_(std::move(server_address)) {
    server_text_ = options_.server.host + ":" + std::to_string(options_.server.port);
  }

  std::string_view kind() const override { return "rfc2136"; }
  bool supports(DcvMethod method) const override { return method == DcvMethod::Dns; }

  Status publish(const PlanEntry& entry, std::string_view token) override { return update(entry, token, true); }
  Status unpublish(const PlanEntry& entry, std::string_view token) override { return update(entry, token, false); }

 private:
  Error dns_error(std::string code, std::string message, std::string hint) const {
    return make_error(ErrorKind::Io, std::move(code), std::move(message), std::move(hint));
  }

  dns::Resolver make_resolver(bool signed_queries, bool tcp = false) const {
    dns::Resolver res(ldns_resolver_new());
    ldns_resolver_push_nameserver(res.get(), server_address_.get());
    ldns_resolver_set_port(res.get(), options_.server.port);
    ldns_resolver_set_recursive(res.get(), false);
    ldns_resolver_set_usevc(res.get(), options_.tcp || tcp);
    ldns_resolver_set_fallback(res.get(), true);
    // One retry: the configured timeout covers both tries.
    ldns_resolver_set_retry(res.get(), 2);
    ldns_resolver_set_retrans(res.get(), 0);
    const int per_try_ms = std::max(100, options_.timeout_ms / 2);
    ldns_resolver_set_timeout(res.get(), timeval{per_try_ms / 1000, suseconds_t{per_try_ms % 1000} * 1000});
    if (signed_queries && options_.tsig) {
      ldns_resolver_set_tsig_keyname(res.get(), options_.tsig->name.c_str());
      ldns_resolver_set_tsig_algorithm(res.get(), (options_.tsig->algorithm + ".").c_str());
      ldns_resolver_set_tsig_keydata(res.get(), std::string(options_.tsig->secret.view()).c_str());
    }
    return res;
  }

  Result<dns::Pkt> send(ldns_resolver* res, ldns_pkt* query, const std::string& what) const {
    ldns_pkt* raw = nullptr;
    const ldns_status st = ldns_resolver_send_pkt(&raw, res, query);
    dns::Pkt answer(raw);
    // ldns drops a reply whose TSIG does not verify with our key. Servers answer a request with a
    // wrong key (BADSIG/BADKEY) exactly so: unsigned, or signed with their own key.
    if (st == LDNS_STATUS_CRYPTO_TSIG_BOGUS)
      return dns_error("publish.dns_badsig",
                       what + ": " + server_text_ + " rejected the TSIG key (its answer is not signed with our key)",
                       "the key name, algorithm or secret differ from the server's: check --tsig-key-file");
    if (st != LDNS_STATUS_OK || !answer)
      return dns_error("publish.dns_timeout",
                       what + ": no answer from " + server_text_ + " within " + std::to_string(options_.timeout_ms) +
                           " ms (" + ldns_get_errorstr_by_id(st) + ")",
                       "check that the server runs and listens on that address and port (--server HOST:PORT)");
    return answer;
  }

  Result<std::string> zone_for(const std::string& owner) {
    if (!options_.zone.empty()) return options_.zone;
    {
      std::lock_guard lock(mutex_);
      if (auto it = zones_.find(owner); it != zones_.end()) return it->second;
    }
    dns::Rdf name(ldns_dname_new_frm_str(owner.c_str()));
    if (!name) return dns_error("publish.dns_bad_name", "'" + owner + "' is not a DNS name", "");
    // The SOA query is not signed: it only finds the zone.
    auto res = make_resolver(false);
    dns::Pkt query(ldns_pkt_query_new(ldns_rdf_clone(name.get()), LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0));
    auto answer = send(res.get(), query.get(), "finding the zone of " + owner);
    if (!answer) return answer.error();
    std::string zone;
    for (ldns_rr_list* section : {ldns_pkt_answer(answer->get()), ldns_pkt_authority(answer->get())}) {
      for (std::size_t i = 0; zone.empty() && i < ldns_rr_list_rr_count(section); ++i) {
        ldns_rr* rr = ldns_rr_list_rr(section, i);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA) continue;
        char* text = ldns_rdf2str(ldns_rr_owner(rr));
        zone = text ? text : "";
        free(text);
      }
    }
    if (zone.empty() || !ldns_pkt_aa(answer->get()))
      return dns_error("publish.dns_not_authoritative",
                       server_text_ + " is not authoritative for a zone containing " + owner + " (answered " +
                           rcode_name(ldns_pkt_get_rcode(answer->get())) + " without an SOA)",
                       "point --server at the zone's primary server, or give --zone");
    if (zone.size() > 1 && zone.back() == '.') zone.pop_back();
    std::lock_guard lock(mutex_);
    zones_[owner] = zone;
    return zone;
  }

  // One batch of entries becomes one UPDATE per zone: BIND applies a zone's updates one at a time
  // (~5 ms each on loopback), so 1,000 single updates take 5 s and 20 batched ones 0.2 s.
  std::size_t batch_size() const override { return 64; }

  std::vector<Result<std::string>> apply(PublishAction action, const std::vector<const PublishItem*>& items) override {
    std::vector<Result<std::string>> out(items.size(), std::string());
    std::map<std::string, std::vector<std::size_t>> by_zone;
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto checked = check_entry(items[i]->entry, items[i]->token);
      auto zone = checked ? zone_for(items[i]->entry.record) : Result<std::string>(checked.error());
      if (zone)
        by_zone[*zone].push_back(i);
      else
        out[i] = zone.error();
    }
    const bool add = action == PublishAction::Publish;
    for (const auto& [zone, indexes] : by_zone) {
      std::vector<const PublishItem*> group;
      for (auto i : indexes) group.push_back(items[i]);
      const std::string what = std::string(add ? "adding " : "deleting ") + std::to_string(group.size()) + " TXT records";
      Status s = send_update(zone, group, add, what);
      // The message is atomic: when it fails for a reason one record may cause, find which.
      const bool per_record = !s && group.size() > 1 && s.error().code != "publish.dns_timeout" &&
                              s.error().code != "publish.dns_badsig" && s.error().code != "publish.dns_badkey";
      for (std::size_t k = 0; k < indexes.size(); ++k) {
        const Status item = per_record ? send_update(zone, {group[k]}, add, describe(*group[k], add)) : s;
        if (!item) out[indexes[k]] = item.error();
      }
    }
    return out;
  }

  Status update(const PlanEntry& entry, std::string_view token, bool add) {
    if (auto checked = check_entry(entry, token); !checked) return checked;
    auto zone = zone_for(entry.record);
    if (!zone) return zone.error();
    const PublishItem item{entry, std::string(token)};
    return send_update(*zone, {&item}, add, describe(item, add));
  }

  static std::string describe(const PublishItem& item, bool add) {
    return std::string(add ? "adding" : "deleting") + " TXT at " + item.entry.record;
  }

  Status check_entry(const PlanEntry& entry, std::string_view token) const {
    if (entry.method != DcvMethod::Dns)
      return make_error(ErrorKind::InvalidInput, "publish.method_unsupported",
                        "RFC 2136 publishes DNS tokens only; '" + entry.name + "' is planned for http-token",
                        "use --webroot or --hook for http-token");
    return check_publish_value(entry, token);
  }

  Result<dns::Rr> make_rr(const PublishItem& item, bool add) const {
    const std::string text = item.entry.record + ". " + std::to_string(add ? options_.ttl : 0) + " IN TXT \"" +
                             item.token + "\"";
    ldns_rr* raw = nullptr;
    if (ldns_rr_new_frm_str(&raw, text.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK)
      return dns_error("publish.dns_bad_name", "cannot build a TXT record for '" + item.entry.record + "'", "");
    dns::Rr rr(raw);
    if (!add) {
      // RFC 2136 §2.5.4: class NONE, TTL 0 deletes exactly this RR.
      ldns_rr_set_class(rr.get(), LDNS_RR_CLASS_NONE);
      ldns_rr_set_ttl(rr.get(), 0);
    }
    return rr;
  }

  Status send_update(const std::string& zone, const std::vector<const PublishItem*>& group, bool add,
                     const std::string& what) {
    dns::RrList updates(ldns_rr_list_new());
    for (const auto* item : group) {
      auto rr = make_rr(*item, add);
      if (!rr) return rr.error();
      ldns_rr_list_push_rr(updates.get(), rr->release());
    }
    dns::Pkt pkt(ldns_update_pkt_new(ldns_dname_new_frm_str(zone.c_str()), LDNS_RR_CLASS_IN, nullptr, updates.get(),
                                     nullptr));
    if (!pkt) return dns_error("publish.dns_bad_name", "cannot build an update for zone '" + zone + "'", "");
    ldns_pkt_set_rd(pkt.get(), false);
    // Several records outgrow a 512-byte UDP message: those go over TCP.
    auto res = make_resolver(true, group.size() > 1);
    if (options_.tsig && ldns_update_pkt_tsig_add(pkt.get(), res.get()) != LDNS_STATUS_OK)
      return dns_error("publish.tsig_sign_failed", "cannot sign the update with TSIG key " + options_.tsig->name,
                       "check the key's algorithm and base64 secret");
    auto answer = send(res.get(), pkt.get(), what);
    if (!answer) return answer.error();
    return interpret(answer->get(), what + " in zone " + zone + " on " + server_text_,
                     group.size() == 1 ? group.front()->entry.record : "a record", zone);
  }

  Status interpret(const ldns_pkt* answer, const std::string& where, const std::string& record,
                   const std::string& zone) const {
    const ldns_pkt_rcode rcode = ldns_pkt_get_rcode(answer);
    const std::uint16_t terr = tsig_error(answer);
    if (terr == kTsigBadSig || terr == kTsigBadKey)
      return dns_error(terr == kTsigBadSig ? "publish.dns_badsig" : "publish.dns_badkey",
                       where + ": the server rejected the TSIG key (" + (terr == kTsigBadSig ? "BADSIG" : "BADKEY") + ")",
                       "the key name, algorithm or secret differ from the server's: check --tsig-key-file");
    if (terr == kTsigBadTime)
      return dns_error("publish.dns_badtime", where + ": TSIG BADTIME, the clocks differ by more than the fudge",
                       "synchronise this machine's clock (NTP)");
    switch (rcode) {
      case LDNS_RCODE_NOERROR: break;
      case LDNS_RCODE_REFUSED:
        return dns_error("publish.dns_refused", where + ": REFUSED",
                         options_.tsig ? "the server does not allow this key to update the zone (allow-update / acl)"
                                       : "the update was not signed: pass --tsig-key-file");
      case LDNS_RCODE_NOTAUTH:
        return dns_error("publish.dns_notauth", where + ": NOTAUTH (not authoritative, or the update was not signed)",
                         options_.tsig ? "point --server at the zone's primary, or check --zone"
                                       : "pass --tsig-key-file with a key the server accepts");
      case LDNS_RCODE_NOTZONE:
        return dns_error("publish.dns_notzone", where + ": NOTZONE, " + record + " is not inside " + zone,
                         "give the right --zone, or leave it out to find it automatically");
      case LDNS_RCODE_SERVFAIL:
        return dns_error("publish.dns_servfail", where + ": SERVFAIL", "see the DNS server's log");
      default:
        return dns_error("publish.dns_rcode", where + ": " + rcode_name(rcode), "see the DNS server's log");
    }
    if (options_.tsig && !ldns_pkt_tsig(answer))
      return dns_error("publish.dns_unsigned_answer", where + ": the answer was not signed",
                       "something between us and the server stripped TSIG");
    return {};
  }

  Rfc2136Options options_;
  dns::Rdf server_address_;
  std::string server_text_;
  std::mutex mutex_;
  std::map<std::string, std::string> zones_;
};

Result<dns::Rdf> resolve_server(const HostPort& server) {
  in6_addr v6{};
  in_addr v4{};
  std::string literal = server.host;
  if (inet_pton(AF_INET, literal.c_str(), &v4) != 1 && inet_pton(AF_INET6, literal.c_str(), &v6) != 1) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(literal.c_str(), nullptr, &hints, &found) != 0 || !found)
      return make_error(ErrorKind::InvalidInput, "publish.dns_server_unknown",
                        "cannot resolve the DNS server name '" + literal + "'", "give its IP address");
    char buf[INET6_ADDRSTRLEN] = {};
    const void* addr = found->ai_family == AF_INET
                           ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr)
                           : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(found->ai_addr)->sin6_addr);
    inet_ntop(found->ai_family, addr, buf, sizeof buf);
    freeaddrinfo(found);
    literal = buf;
  }
  const bool is_v4 = inet_pton(AF_INET, literal.c_str(), &v4) == 1;
  dns::Rdf rdf(ldns_rdf_new_frm_str(is_v4 ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA, literal.c_str()));
  if (!rdf) return make_error(ErrorKind::InvalidInput, "publish.dns_server_unknown", "bad server address '" + literal + "'");
  return rdf;
}

}  // namespace

Result<std::unique_ptr<Publisher>> make_rfc2136_publisher(Rfc2136Options options) {
  auto address = resolve_server(options.server);
  if (!address) return address.error();
  if (options.zone.size() > 1 && options.zone.back() == '.') options.zone.pop_back();
  return std::unique_ptr<Publisher>(new Rfc2136Publisher(std::move(options), std::move(*address)));
}

}  // namespace dcvkit
