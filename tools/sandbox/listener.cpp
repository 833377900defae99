#include "listener.hpp"

#include <openssl/ssl.h>

namespace dcvkit::sandbox {
namespace {

constexpr std::size_t kMaxBodyBytes = std::size_t{1024} * 1024;
constexpr time_t kKeepAliveSeconds = 2;  // bounds how long a stop waits for idle connections

Result<std::unique_ptr<httplib::Server>> make_server(const Ca& ca, const ListenerOptions& options) {
  if (!options.tls) return std::make_unique<httplib::Server>();
  auto identity = ca.server_identity(options.host);
  if (!identity) return identity.error();
  auto server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
    return SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION) == 1 &&
           SSL_CTX_use_certificate(&ctx, identity->certificate.get()) == 1 &&
           SSL_CTX_add1_chain_cert(&ctx, const_cast<X509*>(ca.intermediate())) == 1 &&
           SSL_CTX_use_PrivateKey(&ctx, identity->key.get()) == 1 && SSL_CTX_check_private_key(&ctx) == 1;
  });
  if (!server->is_valid())
    return make_error(ErrorKind::Internal, "sandbox.tls", "cannot set up TLS: " + ossl::last_error());
  return std::unique_ptr<httplib::Server>(std::move(server));
}

// httplib reads a POST/PUT/PATCH/DELETE body even when the request announces none, waiting for
// the client to close (a read timeout, then 400): `curl -X DELETE` would hang. So bodies are read
// here, and only when there is one.
void route_everything_to(httplib::Server& server, ApiServer& api) {
  auto without_body = [&api](const httplib::Request& req, httplib::Response& res) { api.handle(req, {}, res); };
  auto with_body = [&api](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    std::string body;
    const bool announced = req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
    if (announced && !reader([&body](const char* data, std::size_t n) {
          body.append(data, n);
          return true;
        })) {
      if (res.status < 400) res.status = 400;
      api.fill_error(res);
      return;
    }
    api.handle(req, body, res);
  };
  const std::string all = ".*";
  server.Get(all, without_body);
  server.Options(all, without_body);
  server.Post(all, with_body);
  server.Put(all, with_body);
  server.Patch(all, with_body);
  server.Delete(all, with_body);
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [&api](const httplib::Request&, httplib::Response& res) {
        api.fill_error(res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
    res.status = 500;
    res.set_content(R"({"errors":[{"code":"internal_error","message":"the sandbox failed"}]})", "application/json");
  });
}

}  // namespace

Result<std::unique_ptr<Listener>> Listener::start(ApiServer& api, const Ca& ca, const ListenerOptions& options) {
  auto server = make_server(ca, options);
  if (!server) return server.error();
  std::unique_ptr<Listener> listener(new Listener());
  listener->server_ = std::move(*server);
  listener->host_ = options.host;
  listener->tls_ = options.tls;
  auto& s = *listener->server_;
  const std::size_t threads = options.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_keep_alive_timeout(kKeepAliveSeconds);
  s.set_tcp_nodelay(true);  // headers and body go out in separate writes: no Nagle + delayed-ACK stall
  s.set_payload_max_length(kMaxBodyBytes);
  route_everything_to(s, api);

  const int port = options.port == 0 ? s.bind_to_any_port(options.host) : (s.bind_to_port(options.host, options.port) ? options.port : -1);
  if (port <= 0)
    return make_error(ErrorKind::Internal, "sandbox.listen",
                      "cannot listen on " + options.host + ":" + std::to_string(options.port),
                      "is the address local and the port free?");
  listener->port_ = static_cast<std::uint16_t>(port);
  api.set_local_port(listener->port_);

  std::promise<void> finished;
  listener->finished_ = finished.get_future();
  listener->thread_ = std::thread([&s, done = std::move(finished)]() mutable {
    s.listen_after_bind();
    done.set_value();
  });
  while (!s.is_running()) {
    if (listener->finished_.wait_for(std::chrono::milliseconds(2)) == std::future_status::ready)
      return make_error(ErrorKind::Internal, "sandbox.listen", "the server stopped right after it started");
  }
  return listener;
}

Listener::~Listener() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

std::string Listener::url() const {
  const std::string host = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
  return std::string(tls_ ? "https://" : "http://") + host + ":" + std::to_string(port_) + kApiPrefix;
}

bool Listener::stop(std::chrono::milliseconds grace) {
  server_->stop();
  if (finished_.wait_for(grace) != std::future_status::ready) {
    thread_.detach();
    return false;
  }
  thread_.join();
  return true;
}

}  // namespace dcvkit::sandbox
