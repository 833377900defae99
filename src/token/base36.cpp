// The MAC is held in Boost.Multiprecision's fixed 256-bit integer; the conversion divides its
// limbs by 36^12 with one hardware 128/64 division per limb. Boost's generic divide_qr does the
// same job about 3.5x slower (270 vs 80 ns on the reference machine), which alone would take a
// third of the time budget of a token (tests check both agree on every value they try).
#include <boost/multiprecision/cpp_int.hpp>
#include <cstring>

#include "dcvkit/token.hpp"

namespace dcvkit {
namespace {

static_assert(sizeof(boost::multiprecision::limb_type) == 8, "the division below assumes 64-bit limbs");

constexpr std::uint64_t k36Pow6 = 2176782336ULL;             // 36^6  < 2^32
constexpr std::uint64_t k36Pow12 = k36Pow6 * k36Pow6;       // 36^12 < 2^63
constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";

struct PairTable {
  char pair[36 * 36][2]{};
  constexpr PairTable() {
    for (int i = 0; i < 36 * 36; ++i) {
      pair[i][0] = kDigits[i / 36];
      pair[i][1] = kDigits[i % 36];
    }
  }
};
constexpr PairTable kPairs;

// (hi:lo) / d with hi < d, so the quotient fits in 64 bits.
inline std::uint64_t div_128_by_64(std::uint64_t hi, std::uint64_t lo, std::uint64_t d, std::uint64_t& rem) {
#if defined(__x86_64__)
  std::uint64_t q, r;
  asm("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
  rem = r;
  return q;
#else
  const unsigned __int128 n = (static_cast<unsigned __int128>(hi) << 64) | lo;
  rem = static_cast<std::uint64_t>(n % d);
  return static_cast<std::uint64_t>(n / d);
#endif
}

inline std::uint64_t load_be64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap64(v);
}

// Six base-36 digits of x < 36^6, two at a time.
inline void six_digits(std::uint32_t x, char* out) {
  const std::uint32_t low = x % 1296, rest = x / 1296;
  std::memcpy(out, kPairs.pair[rest / 1296], 2);
  std::memcpy(out + 2, kPairs.pair[rest % 1296], 2);
  std::memcpy(out + 4, kPairs.pair[low], 2);
}

}  // namespace

void base36_encode(const Mac& mac, char out[kDigitsLength]) {
  // The integer lives in Boost's fixed 256-bit type; its limbs are filled straight from the
  // big-endian bytes (import_bits goes byte by byte and cost 50 ns of the 130 it took).
  boost::multiprecision::uint256_t value;
  auto& backend = value.backend();
  backend.resize(4, 4);
  for (unsigned i = 0; i < 4; ++i) backend.limbs()[i] = load_be64(mac.data() + std::size_t{8} * (3 - i));
  backend.normalize();

  // Most significant limb first, as the long division below walks them.
  std::uint64_t limbs[4] = {0, 0, 0, 0};
  for (unsigned i = 0; i < backend.size(); ++i) limbs[3 - i] = backend.limbs()[i];

  // 36^60 > 2^256: five chunks of twelve digits, most significant chunk first.
  std::uint64_t chunk[5];
  int top = 0;
  for (int c = 4; c >= 0; --c) {
    while (top < 4 && limbs[top] == 0) ++top;
    std::uint64_t rem = 0;
    for (int i = top; i < 4; ++i) limbs[i] = div_128_by_64(rem, limbs[i], k36Pow12, rem);
    chunk[c] = rem;
  }
  char digits[60];
  for (int c = 0; c < 5; ++c) {
    six_digits(static_cast<std::uint32_t>(chunk[c] / k36Pow6), digits + std::ptrdiff_t{12} * c);
    six_digits(static_cast<std::uint32_t>(chunk[c] % k36Pow6), digits + std::ptrdiff_t{12} * c + 6);
  }
  // 2^256 < 36^50: the first ten of the sixty digits are always '0'.
  std::memcpy(out, digits + 10, kDigitsLength);
}

std::string base36_encode(const Mac& mac) {
  std::string s(kDigitsLength, '0');
  base36_encode(mac, s.data());
  return s;
}

}  // namespace dcvkit
