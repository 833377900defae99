#include "support/run_world.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

namespace dcvkit::test {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

template <class T, void (*Free)(T*)>
struct Freer {
  void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, Freer<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY, EVP_PKEY_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Freer<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Freer<X509_STORE_CTX, X509_STORE_CTX_free>>;
void free_x509_stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using StackPtr = std::unique_ptr<STACK_OF(X509), Freer<STACK_OF(X509), free_x509_stack>>;

std::vector<X509Ptr> read_certs(const std::string& path) {
  std::vector<X509Ptr> certs;
  std::unique_ptr<BIO, Freer<BIO, BIO_free_all>> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return certs;
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(c);
  return certs;
}

KeyPtr read_key(const std::string& path) {
  std::unique_ptr<BIO, Freer<BIO, BIO_free_all>> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return nullptr;
  return KeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::set<std::string> dns_names_of(X509* cert) {
  std::set<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, i);
    if (n->type != GEN_DNS) continue;
    const auto* s = n->d.dNSName;
    names.emplace(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<std::size_t>(ASN1_STRING_length(s)));
  }
  GENERAL_NAMES_free(sans);
  return names;
}

// Why the files in `dir` are not a good certificate for `names` and `key_path`, or "".
std::string file_problem(const std::string& dir, const std::vector<std::string>& names, const std::string& key_path,
                         const std::string& ca_bundle) {
  std::set<std::string> entries;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) entries.insert(e.path().filename().string());
  if (ec) return "cannot list " + dir + ": " + ec.message();
  const std::set<std::string> expected = {"cert.pem", "chain.pem", "fullchain.pem", "root.pem"};
  if (entries != expected) {
    std::string listed;
    for (const auto& e : entries) listed += " " + e;
    return dir + " holds" + listed + " (want exactly cert.pem chain.pem fullchain.pem root.pem)";
  }
  auto leaf = read_certs(dir + "/cert.pem");
  auto chain = read_certs(dir + "/chain.pem");
  if (leaf.size() != 1 || chain.empty()) return dir + ": cert.pem/chain.pem do not hold the expected certificates";
  if (read_text(dir + "/fullchain.pem") != read_text(dir + "/cert.pem") + read_text(dir + "/chain.pem"))
    return dir + ": fullchain.pem is not cert.pem + chain.pem";

  StorePtr store(X509_STORE_new());
  for (auto& root : read_certs(ca_bundle)) X509_STORE_add_cert(store.get(), root.get());
  StackPtr untrusted(sk_X509_new_null());
  for (auto& c : chain) {
    X509_up_ref(c.get());
    sk_X509_push(untrusted.get(), c.get());
  }
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.front().get(), untrusted.get());
  if (X509_verify_cert(ctx.get()) != 1)
    return dir + "/cert.pem does not chain to the sandbox root: " +
           X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));

  if (dns_names_of(leaf.front().get()) != std::set<std::string>(names.begin(), names.end()))
    return dir + "/cert.pem does not carry exactly the manifest's names";
  auto key = read_key(key_path);
  if (!key) return "cannot read the private key " + key_path;
  if (X509_check_private_key(leaf.front().get(), key.get()) != 1) return dir + "/cert.pem does not match " + key_path;
  return {};
}

// The hook a manifest line runs (`sh HOOK`): http tokens into nginx's webroot, one file per host
// (adding, never clobbering). A closed gate (a file) makes a step wait, for at most 30 s so that
// a hook orphaned by a killed run always ends.
constexpr const char* kHook = R"SH(#!/bin/sh
set -eu
gates="$1"
www="$2"
file="$www/$DCVKIT_NAME/.well-known/pki-validation/fileauth.txt"
wait_gate() { i=0; while [ -e "$gates/$1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; }
mkdir -p "$(dirname "$file")"
case "$DCVKIT_ACTION" in
  publish)
    wait_gate publish
    if [ -e "$gates/propagation" ]; then
      ( wait_gate propagation; echo "$DCVKIT_TOKEN" >>"$file" ) </dev/null >/dev/null 2>&1 &
    else
      echo "$DCVKIT_TOKEN" >>"$file"
    fi ;;
  unpublish)
    wait_gate unpublish
    touch "$file"
    grep -vxF "$DCVKIT_TOKEN" "$file" >"$file.new" || true
    mv "$file.new" "$file" ;;
esac
)SH";

}  // namespace

RunWorld::RunWorld(RunWorldOptions options) {
  nginx_ = std::make_unique<NginxServer>();
  DnsServerConfig dns;
  dns.zone = "dns.test";
  dns.records = options.dns_records;
  DnsZoneConfig tld;  // where a CAA climb ends
  tld.zone = "test";
  dns.extra_zones = {tld};
  dns_ = std::make_unique<DnsServer>(dns);
  SandboxOptions s;
  s.resolver = dns_->server();
  s.ns_port = dns_->port();
  s.http_port = nginx_->http_port();
  s.https_port = nginx_->https_port();
  s.faults_json = options.faults_json;
  s.rate_limits = options.rate_limits;
  s.extra_args = options.sandbox_args;
  sandbox_ = std::make_unique<SandboxServer>(s);
  fs::create_directories(dir_.file("gates"));
  hook_ = write_hook();
  auto r = run_dcvkit({"authkey", "create", "--out", dir_.file("authkey"), "--api-url", sandbox_->url(), "--api-key-file",
                       sandbox_->api_key_file(), "--ca-bundle", sandbox_->ca_bundle()});
  if (r.exit_code != 0) throw std::runtime_error("authkey create failed: " + r.all());
}

RunWorld::~RunWorld() {
  // Orphaned hooks of killed runs end at once.
  for (auto g : {RunGate::Publish, RunGate::Propagation, RunGate::Unpublish}) open_gate(g);
}

std::string RunWorld::write_hook() const {
  const std::string path = dir_.write("hook.sh", kHook);
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

std::string RunWorld::gate_path(RunGate gate) const {
  switch (gate) {
    case RunGate::Publish: return dir_.file("gates/publish");
    case RunGate::Propagation: return dir_.file("gates/propagation");
    case RunGate::Unpublish: return dir_.file("gates/unpublish");
  }
  return {};
}

void RunWorld::close_gate(RunGate gate) const { std::ofstream(gate_path(gate)) << "closed\n"; }

void RunWorld::open_gate(RunGate gate) const {
  std::error_code ec;
  fs::remove(gate_path(gate), ec);
}

void RunWorld::add_line(const std::string& id, const std::string& json_line) {
  manifest_text_ += json_line + "\n";
  ids_.push_back(id);
}

std::string RunWorld::add(const std::string& id, RunPublish how, const std::string& out_dir) {
  json line = {{"id", id}};
  Cert cert;
  switch (how) {
    case RunPublish::Webroot:
    case RunPublish::Hook: {
      const std::string host = id + ".example.test";
      cert.names = {host};
      line["method"] = "http";
      if (how == RunPublish::Webroot) {
        fs::create_directories(nginx_->dir() + "/www/" + host);
        line["publish"] = {{"webroot", nginx_->dir() + "/www/" + host}};
      } else {
        line["publish"] = {{"hook", "sh " + hook_ + " " + dir_.file("gates") + " " + nginx_->dir() + "/www"}};
      }
      break;
    }
    case RunPublish::Dns:
      cert.names = {id + ".dns.test", "www." + id + ".dns.test"};
      line["method"] = "dns";
      line["publish"] = {{"dns", {{"server", dns_->server()}, {"zone", "dns.test"}, {"tsig_key_file", dns_->key_file()}}}};
      break;
  }
  line["names"] = cert.names;
  cert.out_dir = out_dir.empty() ? dir_.file("certs/" + id) : out_dir;
  if (!out_dir.empty()) line["out_dir"] = out_dir;
  manifest_text_ += line.dump() + "\n";
  ids_.push_back(id);
  certs_[id] = cert;
  return cert.names.front();
}

std::string RunWorld::manifest() const { return dir_.write("manifest.jsonl", manifest_text_); }

std::vector<std::string> RunWorld::run_args(const std::vector<std::string>& extra) const {
  std::vector<std::string> args = {
      "run", "--manifest", dir_.file("manifest.jsonl"), "--state", state(), "--auth-key-file", dir_.file("authkey"),
      "--api-url", sandbox_->url(), "--api-key-file", sandbox_->api_key_file(), "--ca-bundle", sandbox_->ca_bundle(),
      "--resolver", dns_->server(), "--ns-port", std::to_string(dns_->port()), "--no-dnssec",
      "--http-port", std::to_string(nginx_->http_port()), "--https-port", std::to_string(nginx_->https_port()),
      "--connect-address", "127.0.0.1", "--check-deadline", "60s", "--jsonl"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

RunResult RunWorld::run(const std::vector<std::string>& extra) const { return run_dcvkit(run_args(extra)); }

pid_t RunWorld::spawn(const std::string& log_name, const std::vector<std::string>& extra) const {
  auto argv = run_args(extra);
  argv.insert(argv.begin(), DCVKIT_BIN);
  return spawn_logged(argv, dir_.file(log_name));
}

void RunWorld::kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

std::map<std::string, Stage> RunWorld::stages() {
  std::map<std::string, Stage> out;
  if (!ledger_) {
    if (!fs::exists(state())) return out;
    auto opened = Ledger::open_read_only(state());
    if (!opened) return out;  // being created right now
    ledger_ = std::move(*opened);
  }
  auto all = ledger_->all();
  if (!all) return out;
  for (const auto& e : *all) out[e.id] = e.stage;
  return out;
}

std::set<Stage> RunWorld::wait_for_stage(Stage stage, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    std::set<Stage> present;
    for (const auto& [id, s] : stages())
      if (s != Stage::Done && s != Stage::New) present.insert(s);
    if (present.count(stage)) return present;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return {};
}

std::vector<std::string> RunWorld::audit() {
  std::vector<std::string> problems;
  const json stats = sandbox_->stats();
  const auto n = certs_.size();
  if (stats["orders_total"] != n) problems.push_back("the sandbox holds " + stats["orders_total"].dump() + " orders, want " + std::to_string(n));
  if (stats["orders"]["issued"] != n) problems.push_back("the sandbox issued " + stats["orders"]["issued"].dump() + ", want " + std::to_string(n));

  const auto list = sandbox_->call("GET", "/order/certificate?limit=1000");
  const json orders = json::parse(list.body, nullptr, false);
  if (list.status != 200 || !orders.contains("orders")) return {"cannot list the sandbox's orders: " + list.body};
  std::map<std::string, std::vector<json>> by_cn;
  for (const auto& o : orders["orders"]) by_cn[o["certificate"]["common_name"].get<std::string>()].push_back(o);

  std::map<std::string, LedgerEntry> ledger;
  auto opened = Ledger::open_read_only(state());
  if (!opened) return {"cannot open the ledger: " + opened.error().message};
  auto entries = (*opened)->all();
  if (!entries) return {"cannot read the ledger: " + entries.error().message};
  for (auto& e : *entries) ledger[e.id] = std::move(e);

  for (const auto& [id, cert] : certs_) {
    const auto& cn = cert.names.front();
    const auto& found = by_cn[cn];
    if (found.size() != 1) {
      problems.push_back(cn + ": " + std::to_string(found.size()) + " orders at the sandbox, want 1");
      continue;
    }
    const json& order = found.front();
    const auto e = ledger.find(id);
    if (e == ledger.end()) {
      problems.push_back(id + ": not in the ledger");
      continue;
    }
    if (e->second.stage != Stage::Done) problems.push_back(id + ": ledger stage " + std::string(to_string(e->second.stage)));
    if (order["status"] != "issued") problems.push_back(cn + ": sandbox order status " + order["status"].dump());
    if (order["id"] != e->second.order_id)
      problems.push_back(id + ": ledger order " + std::to_string(e->second.order_id) + ", sandbox " + order["id"].dump());
    if (order.value("certificate_id", json()) != e->second.certificate_id)
      problems.push_back(id + ": ledger certificate " + std::to_string(e->second.certificate_id) + ", sandbox " +
                         order.value("certificate_id", json()).dump());
    if (auto p = file_problem(cert.out_dir, cert.names, e->second.key_path, sandbox_->ca_bundle()); !p.empty())
      problems.push_back(id + ": " + p);
  }
  return problems;
}

}  // namespace dcvkit::test
