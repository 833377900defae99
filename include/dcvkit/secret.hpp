// Bytes that must never be printed or left behind in memory: AuthKeys, API keys, private keys.
#pragma once

#include <string>
#include <string_view>

namespace dcvkit {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string bytes) : bytes_(std::move(bytes)) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  std::string_view view() const { return bytes_; }
  bool empty() const { return bytes_.empty(); }
  std::size_t size() const { return bytes_.size(); }

 private:
  void wipe();
  std::string bytes_;
};

}  // namespace dcvkit
