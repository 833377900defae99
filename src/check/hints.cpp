#include <map>

#include "dcvkit/check.hpp"

namespace dcvkit {

std::string_view hint_for(std::string_view code) {
  static const std::map<std::string_view, std::string_view> kHints = {
      {"ok", ""},
      {"dns.nxdomain", "no such name: add the TXT record (dcvkit publish --method dns), or an A/CNAME record for the name"},
      {"dns.no_txt", "publish the token as TXT at _dnsauth.<name> (dcvkit publish --method dns)"},
      {"dns.token_mismatch", "the TXT records hold other tokens: publish the token you will order with"},
      {"dns.token_split", "publish the token as one character string: the CA reads the strings of a TXT record apart"},
      {"dns.partial_propagation",
       "the CA asks several servers: wait for every nameserver to have the record (zone transfer, NOTIFY), then check again"},
      {"dns.servfail", "a nameserver fails for this name: the CA fails the same way; see that server's log"},
      {"dns.refused", "a nameserver refuses to answer for this zone: fix its configuration (allow-query), or the NS records"},
      {"dns.timeout", "a nameserver does not answer: the CA will time out too; is it down or firewalled?"},
      {"dns.no_zone", "no zone (SOA) found for the name: is the domain registered and delegated?"},
      {"dns.no_ns", "the zone has no reachable NS records: fix the delegation"},
      {"dns.cname_loop", "the CNAME chain loops: fix the CNAME records"},
      {"dns.dnssec_bogus",
       "the zone's DNSSEC signatures do not validate (expired or wrong signatures, or a DS at the parent that matches no key): "
       "re-sign the zone or fix the DS record; the CA's validating resolver rejects the answer"},
      {"caa.forbidden", "the name's CAA records do not allow DigiCert: add the CAA record shown (or remove the record that forbids it)"},
      {"caa.lookup_failed", "the CAA lookup fails (SERVFAIL or no answer): the CA does not issue then; fix the nameservers of the zone shown"},
      {"http.not_found", "fileauth.txt is not there: is .well-known blocked by a rewrite or .htaccess, or is the webroot wrong?"},
      {"http.client_error", "the server refuses the request (e.g. 403): allow /.well-known/pki-validation/ for everyone"},
      {"http.status_5xx", "the server fails on this URL: see its error log"},
      {"http.status_other", "the CA needs a 2xx answer with the file"},
      {"http.redirect_offsite", "the CA follows redirects only within the same registrable domain: serve the file without that redirect"},
      {"http.redirect_bad_port", "the CA follows redirects only to ports 80 and 443"},
      {"http.redirect_bad_scheme", "the CA follows redirects only to http:// and https://"},
      {"http.too_many_redirects", "the CA follows at most 5 redirects: shorten the chain"},
      {"http.redirect_loop", "the redirects loop: fix the server's rewrite rules"},
      {"http.timeout", "the CA waits 2 s to connect and 5 s for the answer: the server is too slow or does not answer"},
      {"http.connect_failed", "the site cannot be reached on 443 or 80: check DNS, the firewall and that the server runs"},
      {"http.no_address", "the name has no A record the CA can use: add one (the CA resolves it itself, over IPv4)"},
      {"http.ipv6_only", "the CA fetches over IPv4 only: add an A record next to the AAAA"},
      {"http.partial_addresses",
       "some of the name's addresses do not serve the token: the CA reaches any of them, so put the file on every node"},
      {"http.no_token", "fileauth.txt holds no token: publish it (dcvkit publish --method http)"},
      {"http.token_mismatch", "fileauth.txt holds other tokens: publish the token you will order with"},
      {"http.body_too_large", "the token is past the first 5,000 characters the CA reads: put it at the top of fileauth.txt"},
      {"token.expired", "the token is older than 30 days: make and publish a new one (dcvkit token new)"},
      {"token.not_yet_valid", "the token's timestamp is in the future: wait until then, or publish a token made for now"},
      {"token.wrong_csr", "the tokens found were not made from this CSR and AuthKey: check the CSR form (--all-forms) and the AuthKey"},
  };
  auto it = kHints.find(code);
  return it == kHints.end() ? std::string_view() : it->second;
}

}  // namespace dcvkit
