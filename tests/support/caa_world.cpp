#include "support/caa_world.hpp"

#include <stdexcept>

#include "support/dnssec_zone.hpp"

namespace dcvkit::test {
namespace {

std::string head(const std::string& zone) {
  return "$TTL 60\n@ IN SOA ns1." + zone + ". hostmaster." + zone + ". 1 60 60 600 60\n@ IN NS ns1." + zone +
         ".\nns1 IN A 127.0.0.1\n";
}

// The zone signed (see support/dnssec_zone), as a zone file's text; its key's DNSKEY goes to `anchor`.
std::string signed_zone(const TempDir& dir, const std::string& zone, const std::string& body, bool expired, std::string& anchor) {
  const SignedZone z = sign_zone_file(dir.path().string(), zone, dir.write(zone + ".zone", head(zone) + body), expired);
  anchor += read_text(z.key_file);
  return read_text(z.file);
}

DnsZoneConfig zone(const std::string& name, std::vector<std::string> records = {}, bool broken = false) {
  DnsZoneConfig z;
  z.zone = name;
  z.records = std::move(records);
  z.broken = broken;
  return z;
}

}  // namespace

CaaWorld::CaaWorld(std::string token) {
  const std::string txt = "_dnsauth.www IN TXT \"" + token + "\"\n";
  const std::string allow = "@ IN CAA 0 issue \"digicert.com\"\n";
  DnsZoneConfig good, bad;
  good.zone = "signed.test";
  good.file_text = signed_zone(keys_, "signed.test", allow + txt, false, trust_anchor_);
  bad.zone = "bogus.test";
  bad.file_text = signed_zone(keys_, "bogus.test", allow + txt, true, trust_anchor_);
  // Signed, then the TXT value changed: the zone's keys are good, that one signature is not.
  DnsZoneConfig tampered;
  tampered.zone = "tampered.test";
  tampered.file_text = signed_zone(keys_, "tampered.test", allow + txt, false, trust_anchor_);
  std::string altered = token;
  altered.back() = altered.back() == '0' ? '1' : '0';
  const auto at = tampered.file_text.find("\"" + token + "\"");
  if (at == std::string::npos) throw std::runtime_error("tampered.test: no TXT record with the token in the signed zone");
  tampered.file_text.replace(at + 1, token.size(), altered);
  trust_anchor_ = keys_.write("trust-anchor.keys", trust_anchor_);

  DnsServerConfig c;
  c.zone = "test";
  c.extra_zones = {
      zone("caa.test",
           {"@ IN CAA 0 issue \"digicert.com\"", "_dnsauth.www IN TXT \"" + token + "\"",
            "letsencrypt IN CAA 0 issue \"letsencrypt.org\"", "_dnsauth.le IN TXT \"" + token + "\"",
            "le IN CAA 0 issue \"letsencrypt.org\"",
            "mixed IN CAA 0 issue \"letsencrypt.org\"", "mixed IN CAA 0 issue \"DigiCert.com\"",
            "wild IN CAA 0 issue \"digicert.com\"", "wild IN CAA 0 issuewild \";\"",
            "wildfallback IN CAA 0 issue \"digicert.com\"",
            "wildonly IN CAA 0 issuewild \"digicert.com\"", "wildonly IN CAA 0 issue \";\"",
            "semicolon IN CAA 0 issue \";\"", "emptyvalue IN CAA 0 issue \"\"",
            "critical IN CAA 128 tbs \"unknown\"", "critical IN CAA 0 issue \"digicert.com\"",
            "noncritical IN CAA 0 tbs \"unknown\"", "noncritical IN CAA 0 issue \"digicert.com\"",
            "params IN CAA 0 issue \"digicert.com; cansignhttpexchanges=yes\"",
            "acme IN CAA 0 issue \"digicert.com; accounturi=https://acme.example/acct/1\"",
            "malformed IN CAA 0 issue \"digicert.com; novalue\"",
            "iodefonly IN CAA 0 iodef \"mailto:caa@caa.test\"",
            "alias IN CNAME le-target.caa.test.", "le-target IN CAA 0 issue \"letsencrypt.org\""}),
      zone("plain.test"), zone("broken.test", {}, true), good, bad, tampered};
  server_ = std::make_unique<DnsServer>(c);
}

DnsProbeOptions CaaWorld::probe_options() const {
  DnsProbeOptions o;
  o.resolver = HostPort{server_->address(), server_->port()};
  o.ns_port = server_->port();
  o.timeout_ms = 2000;
  return o;
}

}  // namespace dcvkit::test
