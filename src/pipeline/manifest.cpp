#include "dcvkit/manifest.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <vector>

#include "dcvkit/acme_issuance.hpp"
#include "dcvkit/validity_limit.hpp"
#include "dcvkit/clock.hpp"
#include "dcvkit/certcentral.hpp"
#include "dcvkit/names.hpp"
#include "dcvkit/time.hpp"
#include "pipeline/manifest_ca.hpp"
#include "pipeline/manifest_fields.hpp"
#include "publish/registry.hpp"
#include "util/display.hpp"
#include "util/json_line.hpp"
#include "util/strings.hpp"

namespace dcvkit {
namespace {

using nlohmann::json;
using manifest_fields::bad;
using manifest_fields::only_keys;
using manifest_fields::resolve;
using manifest_fields::string_field;

// Ids name directories (certs/<id>) and files: on a case-insensitive file system "Shop" and
// "shop" would share them, so they are compared ignoring case.
std::string id_key(const std::string& id) { return detail::ascii_lower(id); }

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64 || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

// Exactly one provider's key, with only that provider's sibling keys next to it; the provider reads
// its own settings (publish/registry.hpp).
Status parse_publish(const json& p, const std::string& base_dir, const std::string& where, PublisherSpec& spec) {
  std::vector<std::string> keys, allowed;
  for (const auto* provider : publish::providers()) {
    if (provider->manifest_key.empty()) continue;
    keys.emplace_back(provider->manifest_key);
    allowed.emplace_back(provider->manifest_key);
    for (auto sibling : provider->manifest_siblings) allowed.emplace_back(sibling);
  }
  std::string one_of = "\"publish\" must be an object with one of ";
  for (std::size_t i = 0; i < keys.size(); ++i) one_of += (i ? ", " : "") + keys[i];
  const char* example = R"(e.g. "publish": {"webroot": "/var/www/shop"})";
  if (!p.is_object()) return bad(where, one_of, example);
  if (auto st = only_keys(p, allowed, where, " in \"publish\""); !st) return st;
  const publish::PublishProvider* chosen = nullptr;
  for (const auto* provider : publish::providers()) {
    if (provider->manifest_key.empty() || !p.contains(std::string(provider->manifest_key))) continue;
    if (chosen) return bad(where, one_of, example);
    chosen = provider;
  }
  if (!chosen) return bad(where, one_of, example);
  for (const auto* provider : publish::providers()) {
    if (provider == chosen) continue;
    for (auto sibling : provider->manifest_siblings)
      if (p.contains(std::string(sibling)))
        return bad(where, "\"" + std::string(sibling) + "\" without \"" + std::string(provider->manifest_key) + "\"", "");
  }
  return chosen->from_manifest(publish::ManifestPublish{p, where, base_dir}, spec);
}

// "deploy": {"hook": CMD, "delay": DURATION, "timeout": DURATION}.
Status parse_deploy(const json& d, const std::string& where, DeployHook& hook) {
  const char* example = R"(e.g. "deploy": {"hook": "systemctl reload nginx", "delay": "10m"})";
  if (!d.is_object()) return bad(where, "\"deploy\" must be an object", example);
  if (auto st = only_keys(d, {"hook", "delay", "timeout"}, where, " in \"deploy\""); !st) return st;
  auto command = string_field(d, "hook", where, true);
  if (!command) return bad(where, R"("deploy" needs a "hook" (the command to run))", example);
  hook.command = *command;
  for (const auto& [key, seconds, min] : {std::tuple{"delay", &hook.delay_seconds, 0LL}, std::tuple{"timeout", &hook.timeout_seconds, 1LL}}) {
    if (!d.contains(key)) continue;
    const auto value = d[key].is_string() ? parse_duration(d[key].get<std::string>()) : std::nullopt;
    if (!value || *value < min || *value > kMaxDeploySeconds)
      return bad(where, std::string(R"("deploy.)") + key + R"(" must be a duration up to a day, like "30s" or "10m")", example);
    *seconds = static_cast<int>(*value);
  }
  return {};
}

// "privkey", "formats", "pfx_password_file", "pfx_profile", "key_policy".
Status parse_outputs(const json& j, const std::string& base_dir, const std::string& at, ManifestEntry& e) {
  if (j.contains("privkey")) {
    if (!j["privkey"].is_boolean()) return bad(at, "\"privkey\" must be true or false", "");
    e.privkey = j["privkey"].get<bool>();
  }
  if (j.contains("formats")) {
    const char* example = R"(e.g. "formats": ["der", "p7b", "pfx"])";
    if (!j["formats"].is_array()) return bad(at, "\"formats\" must be an array", example);
    for (const auto& f : j["formats"]) {
      const auto format = f.is_string() ? cert::parse_format(f.get<std::string>()) : std::nullopt;
      if (!format || *format == cert::Format::Pem)
        return bad(at, R"("formats" takes "der", "p7b" and "pfx" (the PEM files are always written))", example);
      if (std::find(e.formats.begin(), e.formats.end(), *format) == e.formats.end()) e.formats.push_back(*format);
    }
  }
  const bool pfx = std::find(e.formats.begin(), e.formats.end(), cert::Format::Pfx) != e.formats.end();
  auto password = string_field(j, "pfx_password_file", at, false);
  if (!password) return password.error();
  e.pfx_password_file = resolve(base_dir, *password);
  if (j.contains("pfx_profile")) {
    auto profile = j["pfx_profile"].is_string() ? cert::parse_pkcs12_profile(j["pfx_profile"].get<std::string>()) : std::nullopt;
    if (!profile) return bad(at, "\"pfx_profile\" must be modern or legacy", "legacy: 3DES/SHA-1 for old Windows and Java importers");
    e.pfx_profile = *profile;
  }
  if ((j.contains("pfx_password_file") || j.contains("pfx_profile")) && !pfx)
    return bad(at, R"("pfx_password_file" and "pfx_profile" need "pfx" in "formats")", "");
  if ((e.privkey || pfx) && !e.csr_path.empty() && e.key_path.empty())
    return bad(at, std::string(e.privkey ? "\"privkey\"" : "a PFX") + " needs the private key, and this line gives a CSR without its \"key\"",
               "add \"key\": FILE (the CSR's key), or let dcvkit generate key and CSR");
  if (j.contains("key_policy")) {
    const std::string policy = j["key_policy"].is_string() ? j["key_policy"].get<std::string>() : "";
    if (policy != "reuse" && policy != "rotate")
      return bad(at, "\"key_policy\" must be reuse or rotate", "rotate: a new key for each renewal (certbot's default)");
    e.rotate_key = policy == "rotate";
    if (e.rotate_key && !e.csr_path.empty())
      return bad(at, R"("key_policy": "rotate" needs a generated key, and this line gives a CSR)",
                 R"(drop "csr"/"key" to let dcvkit generate (and rotate) the key)");
  }
  return {};
}

}  // namespace

Result<ManifestEntry> parse_manifest_line(std::string_view line, const std::string& base_dir, const std::string& where) {
  const auto object = detail::parse_object_line(line);
  if (!object.error.empty())
    return bad(where, object.error, R"(one object per line: {"id": "shop", "names": [...], ...})");
  const json& j = object.value;
  if (auto st = only_keys(j, {"id", "names", "method", "product", "publish", "key_type", "csr", "key", "out_dir",
                              "replace_files", "validity_days", "deploy", "ca", "challenge", "privkey", "formats",
                              "pfx_password_file", "pfx_profile", "key_policy"},
                          where, "");
      !st)
    return st.error();
  ManifestEntry e;
  auto id = string_field(j, "id", where, true);
  if (!id) return id.error();
  if (!valid_id(*id))
    return bad(where, "\"id\" must be 1-64 characters of A-Z a-z 0-9 . _ -", "it names files and ledger rows");
  e.id = *id;
  const std::string at = where + " (" + e.id + ")";

  if (!j.contains("names") || !j["names"].is_array() || j["names"].empty())
    return bad(at, "\"names\" must be a non-empty array of DNS names", R"("names": ["example.com", "www.example.com"])");
  std::set<std::string> seen;
  for (const auto& n : j["names"]) {
    if (!n.is_string()) return bad(at, "every name must be a string", "");
    auto canonical = normalize_dns_name(n.get<std::string>(), NameRules{.allow_wildcard = true});
    if (!canonical) return bad(at, canonical.error().message, canonical.error().hint);
    if (seen.insert(*canonical).second) e.names.push_back(*canonical);
  }
  // Counted once folded, as `csr new` and `order submit` count them (a line holds at most 1 MiB).
  if (auto st = check_name_count(e.names.size()); !st) return bad(at, st.error().message, st.error().hint);

  if (j.contains("ca")) {
    if (auto st = manifest_fields::parse_ca(j["ca"], base_dir, at, e.acme.emplace()); !st) return st.error();
    for (const char* certcentral_only : {"method", "product", "validity_days"})
      if (j.contains(certcentral_only))
        return bad(at, "\"" + std::string(certcentral_only) + "\" is for CertCentral orders, not ACME",
                   R"(ACME entries say "challenge": "http-01" or "dns-01"; the CA decides the product and validity)");
    auto challenge = string_field(j, "challenge", where, true);
    const auto kind = challenge ? acme::parse_challenge_type(*challenge) : std::nullopt;
    if (!kind)
      return bad(at, R"(an ACME entry needs "challenge": "http-01" or "dns-01")",
                 "http-01: a file in the webroot; dns-01: a TXT record at _acme-challenge.NAME (wildcards need it)");
    e.acme->challenge = *kind;
    e.method = dcv_method_of(*kind);
  } else {
    if (j.contains("challenge"))
      return bad(at, R"("challenge" without "ca")", R"(ACME entries say where from: "ca": {"acme": {...}})");
    auto method = string_field(j, "method", where, true);
    if (!method) return method.error();
    auto m = parse_dcv_method(*method);
    if (!m) return bad(at, "\"method\" must be dns or http", "dns: TXT records; http: fileauth.txt in a webroot");
    e.method = *m;
  }
  if (e.method == DcvMethod::Http) {
    for (const auto& n : e.names)
      if (is_wildcard(n))
        return bad(at, "wildcard " + n + " cannot be validated over http",
                   e.acme ? R"(use "challenge": "dns-01")" : R"(use "method": "dns")");
  }

  if (j.contains("product")) {
    auto product = string_field(j, "product", where, true);
    if (!product) return product.error();
    if (auto st = certcentral::validate_product_id(*product); !st) return bad(at, st.error().message, st.error().hint);
    e.product = *product;
  }
  if (!j.contains("publish")) return bad(at, "no \"publish\"", R"(e.g. "publish": {"webroot": "/var/www/shop"})");
  if (auto st = parse_publish(j["publish"], base_dir, at, e.publish); !st) return st.error();
  if (!publish::find_provider(e.publish.kind)->supports(e.method))
    return bad(at, R"("publish" does not fit "method": )" + std::string(api_name(e.method)),
               std::string(publish::method_word(e.method)) + " tokens go to " + publish::manifest_choices(e.method));

  if (j.contains("key_type")) {
    auto kt = string_field(j, "key_type", where, true);
    if (!kt) return kt.error();
    auto parsed = parse_key_type(*kt);
    if (!parsed) return bad(at, "unknown \"key_type\" " + *kt, "use rsa2048, rsa3072, rsa4096, p256 or p384");
    e.key_type = *parsed;
  }
  auto csr = string_field(j, "csr", where, false);
  if (!csr) return csr.error();
  auto key = string_field(j, "key", where, false);
  if (!key) return key.error();
  if (!key->empty() && csr->empty()) return bad(at, R"("key" without "csr")", "give both, or neither to generate them");
  e.csr_path = resolve(base_dir, *csr);
  e.key_path = resolve(base_dir, *key);

  auto out = string_field(j, "out_dir", where, false);
  if (!out) return out.error();
  e.out_dir = resolve(base_dir, out->empty() ? "certs/" + e.id : *out);
  if (j.contains("replace_files")) {
    if (!j["replace_files"].is_boolean()) return bad(at, "\"replace_files\" must be true or false", "");
    e.replace_files = j["replace_files"].get<bool>();
  }
  if (j.contains("validity_days")) {
    if (!j["validity_days"].is_number_unsigned() || j["validity_days"].get<std::uint64_t>() == 0 ||
        j["validity_days"].get<std::uint64_t>() > 398)
      return bad(at, "\"validity_days\" must be 1..398", "");
    e.validity_days = j["validity_days"].get<int>();
    // The manifest is read when a run starts: the limit of that day is the one the orders meet.
    if (auto limit = check_validity_limit(e.validity_days, system_clock().now(), at + ": ");
        !limit)
      return limit.error();
  }
  if (j.contains("deploy"))
    if (auto st = parse_deploy(j["deploy"], at, e.deploy); !st) return st.error();
  if (auto st = parse_outputs(j, base_dir, at, e); !st) return st.error();
  e.spec_json = j.dump();
  return e;
}

namespace {

}  // namespace

ManifestReader::ManifestReader(std::istream& in, std::string origin, std::string base_dir, bool check_unique)
    : in_(in), origin_(std::move(origin)), base_dir_(std::move(base_dir)), check_unique_(check_unique) {}

Result<std::optional<ManifestEntry>> ManifestReader::next() {
  std::string line;
  for (;;) {
    const detail::LineRead got = detail::read_bounded_line(in_, line, kMaxManifestLineBytes);
    if (got == detail::LineRead::End) {
      if (entries_ == 0)
        return bad(origin_, "no certificates in the manifest",
                   R"(one JSON object per line: {"id", "names", "method", "publish"})");
      return std::optional<ManifestEntry>();
    }
    ++line_;
    const std::string where = origin_ + ":" + std::to_string(line_);
    if (got == detail::LineRead::TooLong)
      return bad(where, detail::too_long_message(line, kMaxManifestLineBytes),
                 "one certificate per line; is this a manifest (JSONL)?");
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    auto e = parse_manifest_line(line, base_dir_, where);
    if (!e) return e.error();
    if (check_unique_) {
      auto [it, added] = ids_.emplace(id_key(e->id), e->id);
      if (!added)
        return bad(where, it->second == e->id ? "id \"" + e->id + "\" appears twice"
                                              : "id \"" + e->id + "\" differs from \"" + it->second + "\" only by case",
                   "ids must be unique, also ignoring case: they name directories and files");
    }
    e->line = line_;
    ++entries_;
    return std::optional<ManifestEntry>(std::move(*e));
  }
}

Status read_manifest(std::istream& in, const std::string& origin, const std::string& base_dir,
                     const std::function<Status(ManifestEntry&&)>& visit) {
  ManifestReader reader(in, origin, base_dir);
  for (;;) {
    auto e = reader.next();
    if (!e) return e.error();
    if (!*e) return {};
    if (auto st = visit(std::move(**e)); !st) return st;
  }
}

namespace {

Error unreadable(const std::string& path) {
  return make_error(ErrorKind::Io, "manifest.unreadable", "cannot read the manifest " + path,
                    "check the path and its permissions");
}

std::string base_dir_of(const std::string& path) { return std::filesystem::absolute(path).parent_path().string(); }

}  // namespace

Result<std::vector<ManifestEntry>> load_manifest(const std::string& path) {
  std::ifstream in(path);
  if (!in) return unreadable(path);
  std::vector<ManifestEntry> out;
  auto st = read_manifest(in, path, base_dir_of(path), [&](ManifestEntry&& e) -> Status {
    out.push_back(std::move(e));
    return {};
  });
  if (!st) return st.error();
  return out;
}

Result<std::unique_ptr<ManifestFile>> ManifestFile::open(const std::string& path) {
  auto file = std::unique_ptr<ManifestFile>(new ManifestFile(path));
  if (!file->in_) return unreadable(path);
  auto rewind = [&]() -> Status {
    file->in_.clear();
    if (!file->in_.seekg(0)) return unreadable(path);
    return {};
  };
  // The first pass: every line checked before anything is done. Ids are compared by a 64-bit hash
  // (8 bytes a line, not a set of strings): equal hashes send us through the file once more with
  // the exact check, which names the line of a real duplicate and lets a mere collision pass.
  std::vector<std::uint64_t> ids;
  ManifestReader first(file->in_, path, file->base_dir_, false);
  for (;;) {
    auto e = first.next();
    if (!e) return e.error();
    if (!*e) break;
    ids.push_back(std::hash<std::string>{}(id_key((*e)->id)));
    if (!(*e)->acme) ++file->certcentral_;
  }
  file->size_ = ids.size();
  std::sort(ids.begin(), ids.end());
  if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) {
    if (auto st = rewind(); !st) return st.error();
    if (auto st = read_manifest(file->in_, path, file->base_dir_, [](ManifestEntry&&) -> Status { return {}; }); !st)
      return st.error();
  }
  ids = {};
  if (auto st = rewind(); !st) return st.error();
  file->reader_.emplace(file->in_, path, file->base_dir_, false);
  return file;
}

ManifestFile::ManifestFile(const std::string& path) : path_(path), base_dir_(base_dir_of(path)), in_(path) {}

Result<std::optional<ManifestEntry>> ManifestFile::next() {
  auto e = reader_->next();
  if (!e) return changed(e.error().message);  // the first pass read every line without an error
  if (*e && ++read_ > size_) return changed("more certificates than at the start");
  if (!*e && read_ != size_) return changed("fewer certificates than at the start");
  return e;
}

Error ManifestFile::changed(const std::string& detail) const {
  return make_error(ErrorKind::InvalidInput, "manifest.changed",
                    "the manifest " + path_ + " changed during the run: " + detail,
                    "leave the manifest alone while dcvkit run reads it; run again to continue");
}

}  // namespace dcvkit
