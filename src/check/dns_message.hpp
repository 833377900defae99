// A DNS response read straight from the wire, without copying it: the rcode, and where each record
// of the types the probe follows lies in the message. c-ares 1.18 has no record API (ares_dns_record
// came with 1.22) and its ares_parse_*_reply functions drop the rcode, the owner names and the
// authority section (the SOA of a negative answer names the zone), so the few fields needed are
// read here, with strict bounds checks: a message with any record that does not fit is rejected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dcvkit::dns {

// DNSKEY is only asked (of the validator), never followed in a message.
enum class RrType : std::uint16_t { A = 1, NS = 2, CNAME = 5, SOA = 6, TXT = 16, AAAA = 28, DNSKEY = 48, CAA = 257 };
enum class Section : std::uint8_t { Answer, Authority, Additional };

// Longest name text: 255 wire bytes, each at worst one "\DDD" escape.
constexpr std::size_t kMaxNameText = std::size_t{4} * 255;

// One record of a followed type and class IN; offsets into the message.
struct RecordRef {
  RrType type = RrType::A;
  Section section = Section::Answer;
  std::uint16_t owner = 0;     // the owner name
  std::uint16_t rdata = 0;
  std::uint16_t rdlength = 0;
};

class Message {
 public:
  // Reads `size` bytes at `wire`, which must outlive every later call. False: not a DNS message,
  // or one whose names or records run outside it. Reuses its record list: no allocation once warm.
  bool parse(const unsigned char* wire, std::size_t size);
  // Why the last parse() failed, for a person ("a record's RDLENGTH runs past the end of the
  // message"); empty after a success.
  const std::string& error() const { return error_; }

  int rcode() const { return rcode_; }
  // The message as parsed (valid while the bytes given to parse() are), for readers of the record
  // types not followed here (the DNSSEC check reads RRSIG, NSEC and DNSKEY records with ldns).
  const unsigned char* wire() const { return wire_; }
  std::size_t size() const { return size_; }
  bool authoritative() const { return aa_; }  // the AA bit
  // The records of the followed types (A, NS, CNAME, SOA, TXT, AAAA, CAA), in message order.
  const std::vector<RecordRef>& records() const { return records_; }

  // A name as text: lower case, escaped like a zone file ("\." inside a label, "\DDD" for bytes
  // that are not printable), without the final dot; the root is "". `buf` holds the text.
  std::string_view name(std::uint16_t offset, char (&buf)[kMaxNameText]) const;
  std::string_view owner(const RecordRef& r, char (&buf)[kMaxNameText]) const { return name(r.owner, buf); }
  bool owner_is(const RecordRef& r, std::string_view expected) const;
  // NS and CNAME: the name in the rdata.
  std::string target(const RecordRef& r) const;
  // TXT: the record's strings joined, byte for byte.
  std::string txt(const RecordRef& r) const;
  // TXT as the CA's library reads it (dnsjava TXTRecord.rdataToString, DnsClient.java): each
  // string quoted ('"' and '\' escaped, other bytes outside 0x20-0x7e as \DDD), separated by a
  // space. A token split across two strings is not found in it.
  std::string txt_rendered(const RecordRef& r) const;
  // A and AAAA: the address as text.
  std::string address(const RecordRef& r) const;
  // CAA (RFC 8659 4.1): the flags octet, the tag and the value, as on the wire.
  struct Caa {
    std::uint8_t flags = 0;
    std::string tag, value;
  };
  Caa caa(const RecordRef& r) const;

 private:
  const unsigned char* wire_ = nullptr;
  std::size_t size_ = 0;
  int rcode_ = 0;
  bool aa_ = false;
  std::string error_;
  std::vector<RecordRef> records_;
};

// "NOERROR", "NXDOMAIN", ...; unknown codes as "RCODE<n>".
std::string rcode_text(int rcode);

const char* type_text(RrType type);

}  // namespace dcvkit::dns
