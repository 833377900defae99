#include <algorithm>

#include "dcvkit/net.hpp"

namespace dcvkit {

Result<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port) {
  auto bad = [&] {
    return make_error(ErrorKind::Usage, "usage.bad_server",
                      "'" + std::string(text.substr(0, 100)) + "' is not HOST, HOST:PORT or [IPv6]:PORT",
                      "example: --server 127.0.0.1:5300");
  };
  HostPort hp;
  hp.port = default_port;
  std::string_view host = text, port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return bad();
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return bad();
      port = text.substr(close + 2);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    host = text.substr(0, text.find(':'));
    port = text.substr(text.find(':') + 1);
    if (port.empty()) return bad();
  }
  if (host.empty()) return bad();
  if (!port.empty()) {
    unsigned long v = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return bad();
      v = v * 10 + static_cast<unsigned long>(c - '0');
      if (v > 65535) return bad();
    }
    if (v == 0) return bad();
    hp.port = static_cast<std::uint16_t>(v);
  }
  hp.host = std::string(host);
  return hp;
}

}  // namespace dcvkit
