// The API's error envelope to messages a person can act on, and to exit codes.
#include <iterator>
#include <nlohmann/json.hpp>

#include "dcvkit/certcentral_errors.hpp"

namespace dcvkit::certcentral {
namespace {

struct KnownCode {
  std::string_view code;
  std::string_view hint;
};

constexpr KnownCode kHints[] = {
    {"auth_key_not_setup", "create an AuthKey: dcvkit authkey create --out FILE"},
    {"auth_key_exists_for_account", "the account already has one; fetch it: dcvkit authkey show --out FILE"},
    {"invalid_dns_txt", "run dcvkit check --csr FILE --method dns: it shows what the CA sees on every nameserver"},
    {"file_random_value_not_found", "run dcvkit check --csr FILE --method http: it fetches fileauth.txt the way the CA does"},
    {"request_limit_exceeded", "too many requests with this API key (100 per 5 s, 1000 per 5 min, shared by every "
                               "client using the key): wait a few minutes"},
    {"invalid_csr", "check the CSR: dcvkit csr show --csr FILE"},
    {"invalid_dns_name", "give DNS names only (no IP addresses, no spaces): --cn NAME, --san NAME"},
    {"invalid_order_validity", "DV certificates are limited to about 199 days: --validity-days N"},
    {"invalid_status", "the order is no longer in a state that allows this: dcvkit order status ID"},
    {"missing_field", "a required field is missing: see the message"},
    {"invalid_format", "formats: pem_all, pem_noroot"},
};

std::string hint_for(const ApiErrorEntry& e) {
  if (e.code == "not_found") {
    if (e.detail == "order") return "no such order on this account: dcvkit order list";
    if (e.detail == "product") return "use a DV product id: ssl_dv_geotrust, ssl_dv_rapidssl, wildcard_dv_geotrust, ...";
    if (e.detail == "auth_key") return "the account has no AuthKey: dcvkit authkey create --out FILE";
    if (e.detail == "certificate") return "no such certificate: dcvkit order status ID shows the order's certificate";
    return "check the id";
  }
  for (const auto& k : kHints)
    if (k.code == e.code) return std::string(k.hint);
  return {};
}

std::string joined_messages(const std::vector<ApiErrorEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    if (!out.empty()) out += "; ";
    out += e.message.empty() ? e.code : e.message;
  }
  return out;
}

struct TransportText {
  TransportFailure failure;
  std::string_view code, message, hint;
};

constexpr TransportText kTransportTexts[] = {
    {TransportFailure::NotSent, "api.connect_failed", "cannot reach the API", "check the network and --api-url"},
    {TransportFailure::TlsVerify, "api.tls_untrusted", "the API's TLS certificate is not trusted",
     "if the server uses a private CA, pass it with --ca-bundle FILE (verification cannot be switched off)"},
    {TransportFailure::TlsHostMismatch, "api.tls_wrong_host", "the API's TLS certificate is for another host name",
     "use the host name the certificate was issued for in --api-url (an IP address only if the certificate lists it)"},
    {TransportFailure::TlsProtocol, "api.tls_too_old", "the server offers only TLS versions below 1.2, which dcvkit refuses",
     "the server must support TLS 1.2 or later; check --api-url and any proxy in between"},
    {TransportFailure::TlsHandshake, "api.tls_failed", "TLS handshake failed", "check --api-url and any proxy in between"},
    {TransportFailure::Timeout, "api.timeout", "no answer in time", "try again later, or allow more time with --api-timeout SECONDS"},
    {TransportFailure::ConnectionLost, "api.connection_lost", "the connection was lost", "try again later"},
    {TransportFailure::TooLarge, "api.answer_too_large", "the answer was refused",
     "check that --api-url points at the CertCentral API (.../services/v2), not at another server"},
    {TransportFailure::Local, "api.bad_request_url", "the request cannot be made (nothing was sent)",
     "check --api-url: retrying cannot help"},
    {TransportFailure::Other, "api.transfer_failed", "the transfer failed", "try again later"},
};

Error transport_error(const HttpReply& reply, std::string_view what) {
  const TransportText* t = &kTransportTexts[std::size(kTransportTexts) - 1];
  for (const auto& candidate : kTransportTexts)
    if (candidate.failure == reply.failure) t = &candidate;
  return make_error(ErrorKind::Network, std::string(t->code),
                    std::string(what) + ": " + std::string(t->message) + ": " + reply.error, std::string(t->hint));
}

}  // namespace

std::vector<ApiErrorEntry> parse_error_envelope(std::string_view body) {
  std::vector<ApiErrorEntry> out;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("errors") || !j["errors"].is_array()) return out;
  for (const auto& e : j["errors"]) {
    if (!e.is_object()) continue;
    ApiErrorEntry entry;
    if (e.contains("code") && e["code"].is_string()) entry.code = e["code"].get<std::string>();
    if (e.contains("message") && e["message"].is_string()) entry.message = e["message"].get<std::string>();
    if (auto bar = entry.code.find('|'); bar != std::string::npos) {
      entry.detail = entry.code.substr(bar + 1);
      entry.code.resize(bar);
    }
    if (!entry.code.empty() || !entry.message.empty()) out.push_back(std::move(entry));
  }
  return out;
}

Error reply_error(const HttpReply& reply, std::string_view what) {
  if (reply.failure != TransportFailure::None) return transport_error(reply, what);
  const auto entries = parse_error_envelope(reply.body);
  const std::string status = "HTTP " + std::to_string(reply.status);
  std::string code = entries.empty() ? "" : entries.front().code;
  std::string message = std::string(what) + ": " + (entries.empty() ? status : joined_messages(entries) + " (" + status + ")");
  std::string hint = entries.empty() ? "" : hint_for(entries.front());
  auto api_code = [&](std::string_view fallback) {
    if (code.empty()) return "api." + std::string(fallback);
    std::string c = "api." + code;
    if (!entries.front().detail.empty()) c += "." + entries.front().detail;
    return c;
  };
  if (reply.status == 401)
    return make_error(ErrorKind::ApiAuth, api_code("unauthorized"), message + ": the API key was not accepted",
                      "check the key in --api-key-file / DCVKIT_API_KEY (CertCentral: Automation > API keys) and "
                      "that --api-url is your account's region (us or eu)");
  if (reply.status == 403)
    return make_error(ErrorKind::ApiAuth, api_code("forbidden"), message + ": the API key may not do this",
                      "use a key whose user has the permission (API key restrictions, user role)");
  if (reply.status == 429 || code == "request_limit_exceeded")
    return make_error(ErrorKind::RateLimited, api_code("request_limit_exceeded"), message,
                      hint.empty() ? "wait a few minutes: the API key's rate limit is shared by all its clients" : hint);
  if (reply.status >= 500)
    return make_error(ErrorKind::Network, api_code("server_error"), message + ": the API failed",
                      "a CertCentral problem: try again later");
  if (reply.status >= 400)
    return make_error(ErrorKind::ApiRejected, api_code("rejected"), message,
                      hint.empty() ? "the API refused the request: see the message" : hint);
  return make_error(ErrorKind::Network, "api.unexpected_status", message + ": unexpected answer", "try again later");
}

bool has_api_code(const Error& error, std::string_view code) {
  const std::string prefix = "api." + std::string(code);
  return error.code == prefix || error.code.rfind(prefix + ".", 0) == 0;
}

}  // namespace dcvkit::certcentral
