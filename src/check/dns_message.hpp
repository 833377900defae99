// A DNS response reduced to what the probe reads: rcode and the records of the types it follows.
// Parsed from the raw wire bytes (not c-ares' typed parsers) so that the rcode and the authority
// section (the SOA of a negative answer names the zone) are not lost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dcvkit::dns {

enum class RrType : std::uint16_t { A = 1, NS = 2, CNAME = 5, SOA = 6, TXT = 16, AAAA = 28 };

struct DnsRecord {
  std::string owner;  // lowercase, no trailing dot
  RrType type = RrType::A;
  // CNAME/NS: the target name (lowercase, no trailing dot); A/AAAA: the address text;
  // TXT: the record's strings joined, as the CA reads them; SOA: empty.
  std::string data;
};

struct DnsMessage {
  int rcode = 0;
  std::vector<DnsRecord> answer, authority, additional;
};

// nullopt: not a parseable DNS message.
std::optional<DnsMessage> parse_dns_message(const unsigned char* data, std::size_t size);

// "NOERROR", "NXDOMAIN", ...; unknown codes as "RCODE<n>".
std::string rcode_text(int rcode);

const char* type_text(RrType type);

}  // namespace dcvkit::dns
