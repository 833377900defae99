#include "check/curl_handles.hpp"

#include <mutex>

namespace dcvkit::curl {

bool global_init() {
  // Never paired with curl_global_cleanup: other threads may still hold handles at exit.
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ok;
}

}  // namespace dcvkit::curl
