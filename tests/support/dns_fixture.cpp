#include "support/dns_fixture.hpp"

#include <sys/wait.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "support/run.hpp"

namespace dcvkit::test {
namespace {

const std::vector<DnsNameserver> kBothNs = {{"ns1", "127.0.0.2"}, {"ns2", "127.0.0.3"}};
const std::vector<DnsNameserver> kDeadNs = {{"ns1", "127.0.0.2"}, {"ns2", "127.0.0.4"}};

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string txt_command(const std::string& owner, const std::vector<std::string>& strings) {
  std::string cmd = "update add " + owner + ". 60 TXT";
  for (const auto& s : strings) cmd += " " + quoted(s);
  return cmd;
}

TxtRecords one_each(const std::vector<std::string>& tokens) {
  TxtRecords r;
  for (const auto& t : tokens) r.push_back({t});
  return r;
}

DnsZoneConfig zone(std::string name, std::vector<DnsNameserver> ns, bool broken = false) {
  DnsZoneConfig z;
  z.zone = std::move(name);
  z.nameservers = std::move(ns);
  z.broken = broken;
  return z;
}

}  // namespace

FilteringResolver::FilteringResolver() {
  port_ = free_loopback_port();
  const std::string dir = dir_.path().string();
  dir_.write("rpz.zone",
             "$TTL 60\n@ IN SOA ns.rpz.invalid. hostmaster.rpz.invalid. 1 60 60 600 60\n@ IN NS ns.rpz.invalid.\n"
             "ns IN A 127.0.0.1\n"
             // CNAME to the root: the policy's NXDOMAIN.
             "test IN CNAME .\nnozone.test IN CNAME .\n*.nozone.test IN CNAME .\n");
  dir_.write("named.conf",
             "options {\n directory \"" + dir + "\";\n listen-on port " + std::to_string(port_) +
                 " { 127.0.0.1; };\n listen-on-v6 { none; };\n pid-file none;\n session-keyfile none;\n"
                 " recursion yes;\n allow-recursion { 127.0.0.0/8; };\n dnssec-validation no;\n notify no;\n"
                 " forward only;\n forwarders { 127.0.0.1 port " + std::to_string(free_loopback_port()) + "; };\n"
                 " response-policy { zone \"rpz.invalid\" add-soa no; } qname-wait-recurse no;\n};\n"
                 "controls { };\nzone \"rpz.invalid\" { type primary; file \"" + dir + "/rpz.zone\"; };\n");
  pid_ = spawn_logged({"/usr/sbin/named", "-g", "-n", "1", "-c", dir + "/named.conf"}, dir + "/server.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!answers()) {
    int status = 0;
    const bool exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
    if (exited) pid_ = -1;
    if (exited || std::chrono::steady_clock::now() > deadline) {
      const std::string log = read_text(dir + "/server.log");
      stop_process(pid_);
      pid_ = -1;
      throw std::runtime_error("filtering resolver (named) did not come up:\n" + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
}

FilteringResolver::~FilteringResolver() { stop_process(pid_); }

bool FilteringResolver::answers() const {
  auto r = run_program({"/usr/bin/dig", "@" + address(), "-p", std::to_string(port_), "CNAME", "nozone.test", "+time=1",
                        "+tries=1"});
  return r.exit_code == 0 && r.out.find("status: NXDOMAIN") != std::string::npos;
}

DnsFixture::DnsFixture() {
  ns_port_ = free_port_on({"127.0.0.2", "127.0.0.3", "127.0.0.4"});

  DnsServerConfig r;
  r.zone = "example.test";
  r.nameservers = kBothNs;
  r.query_log = true;
  r.extra_zones = {zone("other.test", kBothNs), zone("deadns.example.test", kDeadNs),
                   zone("flaky.example.test", kBothNs), zone("broken.example.test", kBothNs, true),
                   zone("noaddr.example.test", {{"ns.missing.example.test.", ""}}),
                   zone("lame.test", kBothNs),  // delegated to ns1/ns2, which serve nothing under lame.test
                   zone("test", kBothNs)};      // the TLD, empty: where a CAA climb ends
  r.port = free_port_on({"127.0.0.1"});
  resolver_ = std::make_unique<DnsServer>(r);

  DnsServerConfig a;
  a.zone = "example.test";
  a.nameservers = kBothNs;
  a.extra_zones = {zone("other.test", kBothNs), zone("deadns.example.test", kDeadNs),
                   zone("flaky.example.test", kBothNs)};
  ns1_ = std::make_unique<DnsServer>(a);
  relay1_ = std::make_unique<UdpRelay>("127.0.0.2", ns_port_, ns1_->port());

  a.extra_zones = {zone("other.test", kBothNs), zone("flaky.example.test", kBothNs, true)};
  ns2_ = std::make_unique<DnsServer>(a);
  relay2_ = std::make_unique<UdpRelay>("127.0.0.3", ns_port_, ns2_->port());
}

DnsFixture& DnsFixture::shared() {
  static std::unique_ptr<DnsFixture> fixture;
  static std::string failure;
  if (!fixture && failure.empty()) {
    try {
      fixture = std::make_unique<DnsFixture>();
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
  if (!fixture) throw std::runtime_error("DNS fixture did not start: " + failure);
  return *fixture;
}

DnsProbeOptions DnsFixture::probe_options(int timeout_ms, std::size_t max_in_flight) const {
  DnsProbeOptions o;
  o.resolver = HostPort{resolver_->address(), resolver_->port()};
  o.ns_port = ns_port_;
  o.timeout_ms = timeout_ms;
  o.max_in_flight = max_in_flight;
  return o;
}

std::string DnsFixture::ns1_server() const { return "127.0.0.2:" + std::to_string(ns_port_); }
std::string DnsFixture::ns2_server() const { return "127.0.0.3:" + std::to_string(ns_port_); }
std::string DnsFixture::dead_server() const { return "127.0.0.4:" + std::to_string(ns_port_); }

std::string DnsFixture::fresh(const std::string& kind, const std::string& zone_name) {
  return "n" + std::to_string(++counter_) + "-" + kind + "." + zone_name;
}

std::vector<const DnsServer*> DnsFixture::serving(const std::string& zone_name) const {
  if (zone_name == "example.test" || zone_name == "other.test") return {resolver_.get(), ns1_.get(), ns2_.get()};
  if (zone_name == "deadns.example.test" || zone_name == "flaky.example.test") return {resolver_.get(), ns1_.get()};
  throw std::runtime_error("fixture: records cannot be placed in " + zone_name);
}

std::string DnsFixture::place(const Placement& p) {
  const std::string name = fresh("placed", p.zone);
  const std::string owner = p.at_base ? name : p.label + "." + name;
  for (const DnsServer* s : serving(p.zone)) {
    std::vector<std::string> cmds;
    if (p.a_record) cmds.push_back("update add " + name + ". 60 A 127.0.0.1");
    const TxtRecords* txt = s == ns1_.get() ? &p.on_ns1 : s == ns2_.get() ? &p.on_ns2 : nullptr;
    if (txt)
      for (const auto& rec : *txt) cmds.push_back(txt_command(owner, rec));
    if (!cmds.empty()) s->update(p.zone, cmds);
  }
  return name;
}

std::string DnsFixture::token_on_both(const std::vector<std::string>& tokens) {
  return place({"example.test", one_each(tokens), one_each(tokens), false, false});
}

std::string DnsFixture::token_on_ns1_only(const std::vector<std::string>& tokens) {
  return place({"example.test", one_each(tokens), {}, false, false});
}

std::string DnsFixture::token_at_base(const std::vector<std::string>& tokens) {
  return place({"example.test", one_each(tokens), one_each(tokens), true, false});
}

std::string DnsFixture::cname_target(const std::string& name) {
  return "_dnsauth." + name.substr(0, name.find('.')) + ".other.test";
}

std::string DnsFixture::token_via_cname(const std::vector<std::string>& tokens) {
  const std::string name = fresh("cname", "example.test");
  const std::string target = cname_target(name);
  for (const DnsServer* s : serving("example.test"))
    s->update("example.test", {"update add _dnsauth." + name + ". 60 CNAME " + target + "."});
  for (const DnsServer* s : {ns1_.get(), ns2_.get()}) {
    std::vector<std::string> cmds;
    for (const auto& t : tokens) cmds.push_back(txt_command(target, {t}));
    if (!cmds.empty()) s->update("other.test", cmds);
  }
  return name;
}

std::string DnsFixture::nonexistent() { return fresh("nothing", "example.test"); }

std::string DnsFixture::a_record_only() { return place({"example.test", {}, {}, false, true}); }

std::string DnsFixture::tokens_in_one_record(const std::vector<std::string>& tokens, const std::string& separator) {
  std::string joined;
  for (const auto& t : tokens) joined += (joined.empty() ? "" : separator) + t;
  return place({"example.test", {{joined}}, {{joined}}, false, false});
}

std::string DnsFixture::token_split(const std::string& token, std::size_t at) {
  const TxtRecords rec = {{token.substr(0, at), token.substr(at)}};
  return place({"example.test", rec, rec, false, false});
}

std::string DnsFixture::token_with_dead_ns(const std::vector<std::string>& tokens) {
  return place({"deadns.example.test", one_each(tokens), {}, false, false});
}

std::string DnsFixture::token_with_ns2_servfail(const std::vector<std::string>& tokens) {
  return place({"flaky.example.test", one_each(tokens), {}, false, false});
}

std::string DnsFixture::servfail_at_resolver() { return fresh("servfail", "broken.example.test"); }

std::string DnsFixture::without_ns_address() { return fresh("noaddr", "noaddr.example.test"); }

std::string DnsFixture::lame_delegation() { return fresh("lame", "lame.test"); }

std::string DnsFixture::without_zone() { return fresh("nozone", "nozone.test"); }

const FilteringResolver& DnsFixture::filtering_resolver() {
  if (!filtering_) filtering_ = std::make_unique<FilteringResolver>();
  return *filtering_;
}

std::string DnsFixture::cname_loop() {
  const std::string name = fresh("loop", "example.test");
  const std::string a = "_dnsauth." + name, b = "_dnsauth." + name.substr(0, name.find('.')) + "-b.example.test";
  for (const DnsServer* s : serving("example.test"))
    s->update("example.test", {"update add " + a + ". 60 CNAME " + b + ".", "update add " + b + ". 60 CNAME " + a + "."});
  return name;
}

}  // namespace dcvkit::test
