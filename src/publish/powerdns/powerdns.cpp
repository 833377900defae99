// PowerDNS Authoritative HTTP API (/api/v1): read the zone, PATCH the TXT RRsets of the owners in
// the batch, read again to confirm. One zone at a time per process (a lock per zone), so our own
// threads never race each other's read-modify-write; other writers are caught by the re-read.
#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "dcvkit/certcentral_transport.hpp"
#include "dcvkit/publish_powerdns.hpp"
#include "util/key_url.hpp"

namespace dcvkit {
namespace {

using certcentral::HttpReply;
using certcentral::HttpRequest;
using certcentral::Transport;
using nlohmann::json;

constexpr int kSettleMs = 30;          // the pause before a read that confirms the wanted state
constexpr int kAttempts = 6;          // read-modify-write rounds before giving up on a contended RRset
constexpr std::size_t kBatch = 200;   // owners per PATCH
constexpr std::size_t kShownBody = 300;

Error api_error(const HttpReply& reply, const std::string& what, const std::string& zone, const std::string& server_id) {
  if (reply.failure != certcentral::TransportFailure::None)
    return make_error(ErrorKind::Io, "publish.powerdns_unreachable", what + ": " + reply.error,
                      "check the URL and that pdns_server runs with api=yes and webserver=yes "
                      "(webserver-address, webserver-port, webserver-allow-from)");
  std::string detail;
  const json body = json::parse(reply.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) detail = body["error"].get<std::string>();
  if (detail.size() > kShownBody) detail.resize(kShownBody);
  const std::string message = what + ": HTTP " + std::to_string(reply.status) + (detail.empty() ? "" : " (" + detail + ")");
  switch (reply.status) {
    case 401:
    case 403:
      return make_error(ErrorKind::ApiAuth, "publish.powerdns_auth", message,
                        "the API key is wrong: put the api-key of pdns.conf (alone) in the key file");
    case 404:
      return make_error(ErrorKind::InvalidInput, "publish.powerdns_no_zone", message,
                        zone.empty() ? "check the server id (--server-id, default localhost)"
                                     : "no zone " + zone + " on server " + server_id +
                                           ": create it (pdnsutil create-zone) or give the right --zone / --server-id");
    case 422:
      return make_error(ErrorKind::InvalidInput, "publish.powerdns_rejected", message,
                        "PowerDNS refused the record: check the names are inside the zone and the zone is not a secondary");
    default:
      return make_error(ErrorKind::Io, "publish.powerdns_error", message,
                        "see the PowerDNS log (loglevel=6 shows API errors)");
  }
}

std::string txt_content(std::string_view token) { return "\"" + std::string(token) + "\""; }

// "http://127.0.0.1:8081" or ".../api/v1" -> ".../api/v1".
Result<std::string> api_base(std::string url) {
  const auto bad = [&](const std::string& why, std::string hint) {
    return make_error(ErrorKind::InvalidInput, "publish.powerdns_bad_url", "PowerDNS URL: " + why, std::move(hint));
  };
  KeyUrl checked = check_key_url(std::move(url), "http:// or https://");
  if (!checked.problem.empty()) return bad(checked.problem, "e.g. http://127.0.0.1:8081");
  if (checked.plain_http && !is_loopback_host(checked.host))
    return bad("plain http would send the API key unencrypted to " + checked.host,
               "use https (a TLS proxy in front of the PowerDNS webserver), or an SSH tunnel to a loopback port");
  std::string base = std::move(checked.url);
  if (base.size() < 7 || base.compare(base.size() - 7, 7, "/api/v1") != 0) base += "/api/v1";
  return base;
}

// A TXT owner as plans make them ("_dnsauth.shop.example.com"): it goes into JSON and a URL-free
// PATCH body, but a stray character would make the API refuse the whole batch.
bool owner_name(std::string_view record) {
  if (record.empty() || record.size() > 253 || record.front() == '.' || record.back() == '.') return false;
  if (record.find("..") != std::string_view::npos) return false;
  return std::all_of(record.begin(), record.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

std::string absolute(std::string name) {
  if (name.empty() || name.back() != '.') name += '.';
  return name;
}

struct Rrset {
  std::uint32_t ttl = 0;
  std::vector<std::pair<std::string, bool>> records;  // content, disabled
};

class PowerDnsPublisher final : public Publisher {
 public:
  PowerDnsPublisher(PowerDnsOptions options, std::string base) : o_(std::move(options)), base_(std::move(base)) {}

  std::string_view kind() const override { return "powerdns"; }
  bool supports(DcvMethod method) const override { return method == DcvMethod::Dns; }
  std::size_t batch_size() const override { return kBatch; }

  Status publish(const PlanEntry& entry, std::string_view token) override {
    return apply_one(PublishAction::Publish, entry, token);
  }
  Status unpublish(const PlanEntry& entry, std::string_view token) override {
    return apply_one(PublishAction::Unpublish, entry, token);
  }

  std::vector<Result<std::string>> apply(PublishAction action, const std::vector<const PublishItem*>& items) override {
    return change_results(apply_statuses(action, items));
  }

 private:
  std::vector<Status> apply_statuses(PublishAction action, const std::vector<const PublishItem*>& items) {
    std::vector<Status> out(items.size());
    std::map<std::string, std::vector<std::size_t>> by_zone;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (auto st = check(*items[i]); !st) {
        out[i] = st;
        continue;
      }
      auto zone = zone_for(absolute(items[i]->entry.record));
      if (!zone) {
        out[i] = zone.error();
        continue;
      }
      by_zone[*zone].push_back(i);
    }
    for (const auto& [zone, indexes] : by_zone) {
      std::vector<const PublishItem*> group;
      for (auto i : indexes) group.push_back(items[i]);
      const Status st = update_zone(action, zone, group);
      for (auto i : indexes) out[i] = st;
    }
    return out;
  }

  Status apply_one(PublishAction action, const PlanEntry& entry, std::string_view token) {
    const PublishItem item{entry, std::string(token)};
    return apply_statuses(action, {&item}).front();
  }

  static Status check(const PublishItem& item) {
    if (item.entry.method != DcvMethod::Dns)
      return make_error(ErrorKind::InvalidInput, "publish.method_unsupported", "PowerDNS publishes dns tokens only",
                        "use --webroot or --hook for http");
    if (auto valid = check_publish_value(item.entry, item.token); !valid) return valid;
    if (!owner_name(item.entry.record))
      return make_error(ErrorKind::InvalidInput, "publish.invalid_record",
                        "'" + item.entry.record + "' is not a lowercase DNS owner name", "build plan entries with make_plan");
    return {};
  }

  // A transport from the pool (each is one keep-alive connection, used by one thread at a time).
  HttpReply send(const HttpRequest& request) {
    std::unique_ptr<Transport> t;
    {
      std::lock_guard lock(pool_mutex_);
      if (!pool_.empty()) {
        t = std::move(pool_.back());
        pool_.pop_back();
      }
    }
    if (!t) {
      certcentral::TransportOptions to;
      to.base_url = base_;
      to.api_key = Secret(std::string(o_.api_key.view()));
      to.key_header = "X-API-Key";
      to.ca_bundle = o_.ca_bundle;
      to.connect_timeout_ms = o_.timeout_ms;
      to.timeout_ms = o_.timeout_ms;
      auto made = certcentral::make_curl_transport(std::move(to));
      if (!made) {
        HttpReply r;
        r.failure = certcentral::TransportFailure::Other;
        r.error = made.error().message;
        return r;
      }
      t = std::move(*made);
    }
    HttpReply reply = t->send(request);
    std::lock_guard lock(pool_mutex_);
    pool_.push_back(std::move(t));
    return reply;
  }

  HttpReply request(std::string method, std::string path, std::string body = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    return send(r);
  }

  std::string zone_path(const std::string& zone_id) const { return "/servers/" + o_.server_id + "/zones/" + zone_id; }

  // The zone id for an owner: --zone, or the longest suffix among the server's zones (listed once).
  Result<std::string> zone_for(const std::string& owner) {
    std::lock_guard lock(zones_mutex_);
    if (!o_.zone.empty()) {
      const std::string zone = absolute(o_.zone);
      if (owner != zone && (owner.size() <= zone.size() || owner.compare(owner.size() - zone.size() - 1, zone.size() + 1, "." + zone) != 0))
        return make_error(ErrorKind::InvalidInput, "publish.powerdns_no_zone", owner + " is not inside the zone " + zone,
                          "give the zone that holds the name (--zone), or leave it out to find it");
      return zone;
    }
    if (!zones_) {
      const HttpReply reply = request("GET", "/servers/" + o_.server_id + "/zones");
      if (!reply.ok()) return api_error(reply, "listing the zones of server " + o_.server_id, "", o_.server_id);
      const json list = json::parse(reply.body, nullptr, false);
      if (!list.is_array())
        return make_error(ErrorKind::Io, "publish.powerdns_error", "the zone list is not a JSON array",
                          "is the URL the PowerDNS webserver's?");
      zones_.emplace();
      for (const auto& z : list)
        if (z.is_object() && z.contains("name") && z["name"].is_string() && z.contains("id") && z["id"].is_string())
          (*zones_)[z["name"].get<std::string>()] = z["id"].get<std::string>();
    }
    // Longest suffix: try the owner, then each parent.
    for (std::string_view rest = owner; !rest.empty();) {
      if (auto it = zones_->find(std::string(rest)); it != zones_->end()) return it->second;
      const auto dot = rest.find('.');
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    return make_error(ErrorKind::InvalidInput, "publish.powerdns_no_zone",
                      "no zone on server " + o_.server_id + " holds " + owner,
                      "create the zone (pdnsutil create-zone) or give --zone");
  }

  std::mutex& lock_for(const std::string& zone) {
    std::lock_guard lock(zones_mutex_);
    return zone_locks_[zone];
  }

  Result<std::map<std::string, Rrset>> read_txt(const std::string& zone, const std::set<std::string>& owners) {
    const HttpReply reply = request("GET", zone_path(zone));
    if (!reply.ok()) return api_error(reply, "reading zone " + zone, zone, o_.server_id);
    const json z = json::parse(reply.body, nullptr, false);
    if (!z.is_object() || !z.contains("rrsets") || !z["rrsets"].is_array())
      return make_error(ErrorKind::Io, "publish.powerdns_error", "zone " + zone + ": the answer has no rrsets", "");
    std::map<std::string, Rrset> out;
    for (const auto& r : z["rrsets"]) {
      if (!r.is_object() || r.value("type", "") != "TXT" || !owners.count(r.value("name", ""))) continue;
      Rrset set;
      set.ttl = r.value("ttl", o_.ttl);
      if (r.contains("records") && r["records"].is_array())
        for (const auto& rec : r["records"])
          if (rec.is_object()) set.records.emplace_back(rec.value("content", ""), rec.value("disabled", false));
      out[r["name"].get<std::string>()] = std::move(set);
    }
    return out;
  }

  Status update_zone(PublishAction action, const std::string& zone, const std::vector<const PublishItem*>& items) {
    std::map<std::string, std::set<std::string>> ours;  // owner -> our quoted tokens
    std::set<std::string> owners;
    for (const auto* item : items) {
      const std::string owner = absolute(item->entry.record);
      ours[owner].insert(txt_content(item->token));
      owners.insert(owner);
    }
    std::lock_guard zone_lock(lock_for(zone));
    thread_local std::minstd_rand jitter(static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id())));
    bool settled = false;  // the last read showed the wanted state: one more after a pause confirms it
    std::chrono::milliseconds read_took{0};
    for (int attempt = 0;; ++attempt) {
      // Pauses come before a read, never between a read and the write built from it: a write from
      // a stale read would put back what another writer just took away. The pause outlasts a few
      // read round trips as measured here, so a slow (loaded, instrumented) server widens it too.
      if (attempt > 0 || settled)
        std::this_thread::sleep_for(std::chrono::milliseconds(kSettleMs + jitter() % (20U << std::min(attempt, 5))) +
                                    4 * read_took);
      const auto read_started = std::chrono::steady_clock::now();
      auto current = read_txt(zone, owners);
      read_took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - read_started);
      if (!current) return current.error();
      json rrsets = json::array();
      for (const auto& [owner, tokens] : ours) {
        Rrset have = (*current)[owner];
        std::vector<std::pair<std::string, bool>> want;
        for (const auto& rec : have.records)
          if (action == PublishAction::Publish || !tokens.count(rec.first)) want.push_back(rec);
        if (action == PublishAction::Publish)
          for (const auto& t : tokens)
            if (std::none_of(want.begin(), want.end(), [&](const auto& rec) { return rec.first == t; })) want.emplace_back(t, false);
        if (want == have.records) continue;
        json records = json::array();
        for (const auto& [content, disabled] : want) records.push_back({{"content", content}, {"disabled", disabled}});
        json rrset = {{"name", owner}, {"type", "TXT"}, {"changetype", want.empty() ? "DELETE" : "REPLACE"}};
        if (!want.empty()) {
          rrset["ttl"] = have.records.empty() ? o_.ttl : have.ttl;
          rrset["records"] = std::move(records);
        }
        rrsets.push_back(std::move(rrset));
      }
      // The API has no conditional update: another writer's PATCH built from a read older than
      // ours can still land. The wanted state is trusted once two reads a pause apart show it.
      if (rrsets.empty()) {
        if (settled) return {};
        settled = true;
        continue;
      }
      settled = false;
      if (attempt >= kAttempts) break;
      const json body = {{"rrsets", std::move(rrsets)}};
      const HttpReply reply = request("PATCH", zone_path(zone), body.dump());
      // A 5xx while other writers hold the zone (gsqlite3 answers "database is locked" as 500)
      // passes: read again and retry within the same rounds.
      if (!reply.ok() && !(reply.failure == certcentral::TransportFailure::None && reply.status >= 500 && attempt + 1 < kAttempts))
        return api_error(reply, "updating zone " + zone, zone, o_.server_id);
    }
    return make_error(ErrorKind::Io, "publish.powerdns_contended",
                      "zone " + zone + ": another writer kept replacing the TXT records; gave up after " +
                          std::to_string(kAttempts) + " rounds",
                      "run again when the other writer is done");
  }

  const PowerDnsOptions o_;
  const std::string base_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<Transport>> pool_;
  std::mutex zones_mutex_;
  std::optional<std::map<std::string, std::string>> zones_;  // name -> id
  std::map<std::string, std::mutex> zone_locks_;
};

}  // namespace

Result<std::unique_ptr<Publisher>> make_powerdns_publisher(PowerDnsOptions options) {
  auto base = api_base(options.url);
  if (!base) return base.error();
  if (options.api_key.empty())
    return make_error(ErrorKind::InvalidInput, "publish.powerdns_no_key", "the PowerDNS API key is empty",
                      "put the api-key of pdns.conf in the key file");
  if (!header_safe_key(options.api_key.view()))
    return make_error(ErrorKind::InvalidInput, "publish.powerdns_bad_key",
                      "the PowerDNS API key contains spaces, control or non-ASCII characters (not shown)",
                      "the file must hold the key alone (one trailing newline is ignored)");
  if (options.server_id.empty() || options.server_id.find_first_of("/?#% ") != std::string::npos)
    return make_error(ErrorKind::InvalidInput, "publish.powerdns_bad_server_id",
                      "the PowerDNS server id '" + options.server_id + "' is not a plain word", "usually: localhost");
  if (options.timeout_ms <= 0)
    return make_error(ErrorKind::InvalidInput, "publish.bad_timeout", "the PowerDNS API timeout must be positive", "");
  return std::unique_ptr<Publisher>(new PowerDnsPublisher(std::move(options), std::move(*base)));
}

}  // namespace dcvkit
