#include <map>

#include "dcvkit/check.hpp"

namespace dcvkit {
namespace {

struct Reason {
  // When a name fails in several ways, the failure with the highest rank is reported: the one
  // closest to success, which is the one a person fixes (a token on some servers beats a wrong
  // token, which beats no token, which beats a server that cannot be reached at all).
  int rank;
  std::string_view hint;
};

// Every reason code, in one table: a code missing here has no hint and ranks below every other
// (tests/test_check_judge.cpp checks that every code src/check can emit is here).
const std::map<std::string_view, Reason>& reasons() {
  static const std::map<std::string_view, Reason> kReasons = {
      {"ok", {100, ""}},
      {"dns.partial_propagation",
       {9, "the CA asks several servers: wait for every nameserver to have the record (zone transfer, NOTIFY), then check again"}},
      {"token.expired", {8, "the token is older than 30 days: make and publish a new one (dcvkit token new)"}},
      {"token.not_yet_valid", {8, "the token's timestamp is in the future: wait until then, or publish a token made for now"}},
      {"dns.dnssec_bogus",
       {8, "the zone's DNSSEC signatures do not validate (expired or wrong signatures, or a DS at the parent that matches "
           "no key): re-sign the zone or fix the DS record; the CA's validating resolver rejects the answer"}},
      {"dns.token_mismatch", {7, "the TXT records hold other tokens: publish the token you will order with"}},
      {"http.token_mismatch", {7, "fileauth.txt holds other tokens: publish the token you will order with"}},
      {"dns.token_split", {7, "publish the token as one character string: the CA reads the strings of a TXT record apart"}},
      {"token.wrong_csr",
       {7, "the tokens found were not made from this CSR and AuthKey: check the CSR form (--all-forms) and the AuthKey"}},
      {"http.body_too_large",
       {7, "the token is past the first 5,000 characters the CA reads: put it at the top of fileauth.txt"}},
      {"http.no_token", {6, "fileauth.txt holds no token: publish it (dcvkit publish --method http)"}},
      {"dns.timeout", {5, "a nameserver does not answer: the CA will time out too; is it down or firewalled?"}},
      {"dns.servfail", {5, "a nameserver fails for this name: the CA fails the same way; see that server's log"}},
      {"dns.refused",
       {5, "a nameserver refuses to answer for this zone: fix its configuration (allow-query), or the NS records"}},
      {"dns.not_authoritative",
       {5, "a server listed as a nameserver of the zone does not serve it: fix the NS records, or load the zone on that server"}},
      {"dns.malformed_answer",
       {5, "a DNS server sends answers that are not well-formed DNS messages: the CA cannot read them either; see that server"}},
      {"http.not_found",
       {5, "fileauth.txt is not there: is .well-known blocked by a rewrite or .htaccess, or is the webroot wrong?"}},
      {"http.client_error",
       {5, "the server refuses the request (e.g. 403): allow /.well-known/pki-validation/ for everyone"}},
      {"http.status_5xx", {5, "the server fails on this URL: see its error log"}},
      {"http.status_other", {5, "the CA needs a 2xx answer with the file"}},
      {"http.redirect_offsite",
       {5, "the CA follows redirects only within the same registrable domain: serve the file without that redirect"}},
      {"http.redirect_bad_port", {5, "the CA follows redirects only to ports 80 and 443"}},
      {"http.redirect_bad_scheme", {5, "the CA follows redirects only to http:// and https://"}},
      {"http.too_many_redirects", {5, "the CA follows at most 5 redirects: shorten the chain"}},
      {"http.redirect_loop", {5, "the redirects loop: fix the server's rewrite rules"}},
      {"http.partial_addresses",
       {5, "some of the name's addresses do not serve the token: the CA reaches any of them, so put the file on every node"}},
      {"dns.no_zone", {4, "no zone (SOA) found for the name: is the domain registered and delegated?"}},
      {"dns.no_ns", {4, "the zone has no reachable NS records: fix the delegation"}},
      {"dns.cname_loop", {4, "the CNAME chain loops: fix the CNAME records"}},
      // A server that accepts the connection and then says nothing is closer to serving the file
      // than one that refuses it: the read timeout on http beats "connection refused" on https.
      {"http.timeout",
       {4, "the CA waits 2 s to connect and 5 s for the answer: the server is too slow or does not answer"}},
      {"dns.resolver_failed",
       {3, "the local resolver dcvkit asks (--resolver) refused or did not answer: check that it runs and allows "
           "recursive queries from this host; the CA uses its own resolvers"}},
      {"dns.no_txt", {3, "publish the token as TXT at _dnsauth.<name> (dcvkit publish --method dns)"}},
      {"http.connect_failed",
       {3, "the site cannot be reached on 443 or 80: check DNS, the firewall and that the server runs"}},
      {"http.no_address", {3, "the name has no A record the CA can use: add one (the CA resolves it itself, over IPv4)"}},
      {"http.ipv6_only", {3, "the CA fetches over IPv4 only: add an A record next to the AAAA"}},
      // ACME challenges (RFC 8555 §8.3, §8.4): the right answer is exact, so a wrong one ranks
      // with a wrong token.
      {"acme.http01_mismatch",
       {7, "serve exactly the key authorization (token.thumbprint of this challenge and account key) as the file's body"}},
      {"acme.http01_body_too_large",
       {7, "the CA reads fewer than 128 bytes: the file must hold the key authorization alone (a final newline is fine)"}},
      {"acme.http01_status", {5, "the ACME CA accepts a 200 answer only: serve the file itself, not a 204, 206 or error page"}},
      {"acme.redirect_to_ip", {5, "the ACME CA follows redirects to host names only: redirect to a name, not to an IP address"}},
      {"acme.dns01_mismatch",
       {7, "publish base64url(SHA-256(key authorization)) of this challenge as its own TXT record at _acme-challenge.<name>"}},
      {"acme.http01_wildcard",
       {2, "http-01 cannot validate a wildcard (RFC 8555 §7.1.3): use acme-dns-01 for *.<name>"}},
      {"acme.key_authorization_invalid",
       {2, "give the key authorization as token.thumbprint (RFC 8555 §8.1): the challenge token, a dot, the account key's "
           "base64url SHA-256 JWK thumbprint"}},
      // CAA is judged apart from DCV (apply_caa) and never ranked against a DCV failure.
      {"caa.forbidden",
       {1, "the name's CAA records do not allow DigiCert: add the CAA record shown (or remove the record that forbids it)"}},
      {"caa.lookup_failed",
       {1, "the CAA lookup fails (SERVFAIL or no answer): the CA does not issue then; fix the nameservers of the zone shown"}},
      {"dns.nxdomain",
       {2, "no such name: add the TXT record (dcvkit publish --method dns), or an A/CNAME record for the name"}},
  };
  return kReasons;
}

}  // namespace

std::string_view hint_for(std::string_view code) {
  auto it = reasons().find(code);
  return it == reasons().end() ? std::string_view() : it->second.hint;
}

std::string_view hint_for(std::string_view code, TokenKind kind) {
  // Where the request-token hint names fileauth.txt, _dnsauth or DigiCert's limits.
  static const std::map<std::string_view, std::string_view> kAcme = {
      {"dns.no_txt", "publish base64url(SHA-256(key authorization)) as TXT at _acme-challenge.<name> (dcvkit acme order does)"},
      {"dns.nxdomain", "no such name: publish the TXT record at _acme-challenge.<name>"},
      {"http.not_found",
       "the challenge file is not there: serve it at /.well-known/acme-challenge/<token> on port 80 (is .well-known blocked, "
       "or the webroot wrong?)"},
      {"http.client_error", "the server refuses the request (e.g. 403): allow /.well-known/acme-challenge/ for everyone"},
      {"http.status_other", "the ACME CA needs a 200 answer, after at most 10 redirects (301, 302, 307, 308)"},
      {"http.too_many_redirects", "the ACME CA follows at most 10 redirects: shorten the chain"},
      {"http.connect_failed",
       "the ACME CA starts at http://<name>/ on port 80: open port 80 (an https-only site still answers there, or redirects)"},
      {"http.timeout", "the server accepts the connection but does not answer in time: the CA gives up too"},
      {"caa.forbidden",
       "the name's CAA records do not allow the ACME CA (--caa-identity): add the CAA record shown (or remove the record that "
       "forbids it)"},
      {"http.ipv6_only",
       "dcvkit fetches over IPv4 only, while the ACME CA would use the AAAA record: add an A record to pre-check the name"},
  };
  if (kind != TokenKind::RequestToken)
    if (auto it = kAcme.find(code); it != kAcme.end()) return it->second;
  return hint_for(code);
}

int reason_rank(std::string_view code) {
  auto it = reasons().find(code);
  return it == reasons().end() ? 0 : it->second.rank;
}

bool is_reason_code(std::string_view code) { return reasons().count(code) > 0; }

}  // namespace dcvkit
