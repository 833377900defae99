#include "check/dns_message.hpp"

#include <arpa/inet.h>

namespace dcvkit::dns {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kMaxNameWire = 255;
constexpr int kMaxPointers = 127;  // as many as a name can have labels
constexpr std::uint16_t kClassIn = 1;

std::uint16_t u16(const unsigned char* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

// Walks the name at `pos`, calling on_label(data, length) for each label. Compression pointers
// must point back, to an earlier byte (RFC 1035 4.1.4: "a prior occurrence"), at most kMaxPointers
// times, and the name may not exceed 255 bytes: a loop cannot last. Returns the offset just past
// the name where it started (after its first pointer, if any), or 0 when it is malformed.
template <class OnLabel>
std::size_t walk_name(const unsigned char* m, std::size_t size, std::size_t pos, OnLabel&& on_label) {
  std::size_t end = 0, wire = 0;
  int pointers = 0;
  for (;;) {
    if (pos >= size) return 0;
    const unsigned len = m[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= size || ++pointers > kMaxPointers) return 0;
      const std::size_t target = ((len & 0x3Fu) << 8) | m[pos + 1];
      if (end == 0) end = pos + 2;
      if (target >= pos) return 0;
      pos = target;
      continue;
    }
    if (len & 0xC0) return 0;  // 01 and 10: extended label types, never in use
    wire += len + 1;
    if (wire > kMaxNameWire) return 0;
    if (len == 0) return end != 0 ? end : pos + 1;
    if (pos + 1 + len > size) return 0;
    on_label(m + pos + 1, len);
    pos += 1 + len;
  }
}

std::size_t skip_name(const unsigned char* m, std::size_t size, std::size_t pos) {
  return walk_name(m, size, pos, [](const unsigned char*, unsigned) {});
}

bool followed(std::uint16_t type) {
  switch (static_cast<RrType>(type)) {
    case RrType::A: case RrType::NS: case RrType::CNAME: case RrType::SOA: case RrType::TXT: case RrType::AAAA:
    case RrType::CAA:
      return true;
    case RrType::DNSKEY:
      break;
  }
  return false;
}

// The rdata of a followed type is well formed: what the accessors read lies inside it.
bool rdata_fits(const unsigned char* m, std::size_t size, RrType type, std::size_t at, std::size_t len) {
  const std::size_t end = at + len;
  switch (type) {
    case RrType::NS:
    case RrType::CNAME:
      return skip_name(m, size, at) == end;
    case RrType::SOA: {
      const std::size_t mname = skip_name(m, size, at);
      const std::size_t rname = mname ? skip_name(m, size, mname) : 0;
      return rname != 0 && rname + 20 == end;
    }
    case RrType::TXT:
      for (std::size_t p = at; p < end; p += 1 + m[p])
        if (p + 1 + m[p] > end) return false;
      return true;
    case RrType::A:
    case RrType::AAAA:
      return true;  // the length was checked by the caller
    case RrType::CAA:  // flags, tag length (1-255), tag, value: the rest
      return len >= 2 && m[at + 1] != 0 && 2 + std::size_t{m[at + 1]} <= len;
    case RrType::DNSKEY:
      break;
  }
  return false;
}

void append_label(std::string_view& text, char* buf, const unsigned char* label, unsigned len) {
  std::size_t n = text.size();
  if (n > 0) buf[n++] = '.';
  for (unsigned i = 0; i < len; ++i) {
    const unsigned char c = label[i];
    if (c == '.' || c == ';' || c == '(' || c == ')' || c == '\\' || c == '"') {
      buf[n++] = '\\';
      buf[n++] = static_cast<char>(c);
    } else if (c <= 0x20 || c >= 0x7f) {
      buf[n++] = '\\';
      buf[n++] = static_cast<char>('0' + c / 100);
      buf[n++] = static_cast<char>('0' + c / 10 % 10);
      buf[n++] = static_cast<char>('0' + c % 10);
    } else {
      buf[n++] = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
  }
  text = std::string_view(buf, n);
}

}  // namespace

bool Message::parse(const unsigned char* wire, std::size_t size) {
  wire_ = wire;
  size_ = size;
  records_.clear();
  error_.clear();
  const auto fail = [this](std::string why) {
    error_ = std::move(why);
    return false;
  };
  if (!wire || size < kHeaderSize) return fail("shorter than the 12-byte DNS header");
  if (size > 0xFFFF) return fail("longer than a DNS message can be");
  rcode_ = wire[3] & 0x0F;
  aa_ = (wire[2] & 0x04) != 0;
  const std::size_t questions = u16(wire + 4);
  const std::size_t counts[3] = {u16(wire + 6), u16(wire + 8), u16(wire + 10)};
  static constexpr const char* kSection[3] = {"answer", "authority", "additional"};
  std::size_t pos = kHeaderSize;
  for (std::size_t i = 0; i < questions; ++i) {
    pos = skip_name(wire, size, pos);
    if (pos == 0 || pos + 4 > size) return fail("the question section is malformed");
    pos += 4;
  }
  for (std::uint8_t s = 0; s < 3; ++s) {
    for (std::size_t i = 0; i < counts[s]; ++i) {
      // Built only on failure: a good message costs no allocation.
      const auto record = [&] { return "record " + std::to_string(i + 1) + " of the " + kSection[s] + " section"; };
      if (pos >= size)
        return fail("the header counts " + std::to_string(counts[s]) + " records in the " + kSection[s] +
                    " section, but the message ends after " + std::to_string(i));
      const std::size_t owner = pos;
      pos = skip_name(wire, size, pos);
      if (pos == 0) return fail(record() + ": its name is malformed (a compression loop or forward pointer, or it runs past the end)");
      if (pos + 10 > size) return fail(record() + ": the message ends inside it");
      const std::uint16_t type = u16(wire + pos), klass = u16(wire + pos + 2), rdlength = u16(wire + pos + 8);
      const std::size_t rdata = pos + 10;
      if (rdata + rdlength > size)
        return fail(record() + ": its RDLENGTH " + std::to_string(rdlength) + " runs past the end of the message");
      pos = rdata + rdlength;
      if (klass != kClassIn || !followed(type)) continue;  // EDNS OPT, RRSIG, ...: not read
      const auto t = static_cast<RrType>(type);
      if ((t == RrType::A && rdlength != 4) || (t == RrType::AAAA && rdlength != 16)) continue;  // no address in it
      if (!rdata_fits(wire, size, t, rdata, rdlength))
        return fail(record() + ": its " + type_text(t) + " data is malformed");
      records_.push_back(RecordRef{t, static_cast<Section>(s), static_cast<std::uint16_t>(owner),
                                   static_cast<std::uint16_t>(rdata), rdlength});
    }
  }
  return true;
}

std::string_view Message::name(std::uint16_t offset, char (&buf)[kMaxNameText]) const {
  std::string_view text(buf, 0);
  walk_name(wire_, size_, offset, [&](const unsigned char* label, unsigned len) { append_label(text, buf, label, len); });
  return text;
}

bool Message::owner_is(const RecordRef& r, std::string_view expected) const {
  char buf[kMaxNameText];
  return owner(r, buf) == expected;
}

std::string Message::target(const RecordRef& r) const {
  if (r.type != RrType::NS && r.type != RrType::CNAME) return {};
  char buf[kMaxNameText];
  return std::string(name(r.rdata, buf));
}

std::string Message::txt(const RecordRef& r) const {
  std::string joined;
  if (r.type != RrType::TXT) return joined;
  const std::size_t end = std::size_t{r.rdata} + r.rdlength;
  std::size_t total = 0;
  for (std::size_t p = r.rdata; p < end; p += 1 + wire_[p]) total += wire_[p];
  joined.reserve(total);
  for (std::size_t p = r.rdata; p < end; p += 1 + wire_[p]) joined.append(reinterpret_cast<const char*>(wire_ + p + 1), wire_[p]);
  return joined;
}

std::string Message::txt_rendered(const RecordRef& r) const {
  std::string out;
  if (r.type != RrType::TXT) return out;
  const std::size_t end = std::size_t{r.rdata} + r.rdlength;
  for (std::size_t p = r.rdata; p < end; p += 1 + wire_[p]) {
    if (!out.empty()) out += ' ';
    out += '"';
    for (std::size_t i = p + 1; i <= p + wire_[p]; ++i) {
      const unsigned char c = wire_[i];
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20 || c >= 0x7f) {
        const char digits[] = {'\\', static_cast<char>('0' + c / 100), static_cast<char>('0' + c / 10 % 10),
                               static_cast<char>('0' + c % 10)};
        out.append(digits, sizeof digits);
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '"';
  }
  return out;
}

std::string Message::address(const RecordRef& r) const {
  const int family = r.type == RrType::A ? AF_INET : r.type == RrType::AAAA ? AF_INET6 : 0;
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == 0 || !inet_ntop(family, wire_ + r.rdata, buf, sizeof buf)) return {};
  return buf;
}

Message::Caa Message::caa(const RecordRef& r) const {
  Caa out;
  if (r.type != RrType::CAA) return out;
  const unsigned char* p = wire_ + r.rdata;
  const std::size_t tag_len = p[1];
  out.flags = p[0];
  out.tag.assign(reinterpret_cast<const char*>(p + 2), tag_len);
  out.value.assign(reinterpret_cast<const char*>(p + 2 + tag_len), r.rdlength - 2 - tag_len);
  return out;
}

std::string rcode_text(int rcode) {
  switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    default: return "RCODE" + std::to_string(rcode);
  }
}

const char* type_text(RrType type) {
  switch (type) {
    case RrType::A: return "A";
    case RrType::NS: return "NS";
    case RrType::CNAME: return "CNAME";
    case RrType::SOA: return "SOA";
    case RrType::TXT: return "TXT";
    case RrType::AAAA: return "AAAA";
    case RrType::CAA: return "CAA";
    case RrType::DNSKEY: return "DNSKEY";
  }
  return "?";
}

}  // namespace dcvkit::dns
