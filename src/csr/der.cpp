#include "csr/der.hpp"

#include <array>
#include <climits>

namespace dcvkit::csr_detail {
namespace {

constexpr std::array<int, 256> make_table() {
  std::array<int, 256> t{};
  for (auto& v : t) v = -1;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = i;
  return t;
}
constexpr auto kTable = make_table();

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  if (text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    unsigned value = 0;
    bool last_quad = i + 4 == text.size();
    for (std::size_t j = 0; j < 4; ++j) {
      auto c = static_cast<unsigned char>(text[i + j]);
      int v = kTable[c];
      if (v < 0) {
        if (c != '=' || !last_quad || j < 4 - pad) return std::nullopt;
        v = 0;
      }
      value = (value << 6) | static_cast<unsigned>(v);
    }
    out += static_cast<char>((value >> 16) & 0xff);
    out += static_cast<char>((value >> 8) & 0xff);
    out += static_cast<char>(value & 0xff);
  }
  out.resize(out.size() - pad);
  return out;
}

std::optional<std::size_t> der_declared_length(std::string_view der) {
  if (der.size() < 2 || static_cast<unsigned char>(der[0]) != 0x30) return std::nullopt;
  auto first = static_cast<unsigned char>(der[1]);
  if (first < 0x80) return 2 + std::size_t{first};
  std::size_t count = first & 0x7f;
  if (count == 0 || count > 4 || der.size() < 2 + count) return std::nullopt;
  std::size_t length = 0;
  for (std::size_t i = 0; i < count; ++i) length = (length << 8) | static_cast<unsigned char>(der[2 + i]);
  return 2 + count + length;
}

ossl::X509Req parse_der_csr(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const auto* end = p + der.size();
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) return nullptr;
  ossl::X509Req req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (req && p != end) req.reset();  // trailing bytes: not exactly one CSR
  return req;
}

}  // namespace dcvkit::csr_detail
