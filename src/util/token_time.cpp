#include "dcvkit/token_time.hpp"

#include <sys/timex.h>

namespace dcvkit {

std::optional<bool> system_clock_synchronised() {
  timex tx{};
  tx.modes = 0;  // read only: needs no privilege
  const int state = ::adjtimex(&tx);
  if (state == -1) return std::nullopt;
  return state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
}

}  // namespace dcvkit
