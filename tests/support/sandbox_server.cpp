#include "support/sandbox_server.hpp"

#include <curl/curl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit::test {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kStopTimeout = std::chrono::seconds(10);

std::size_t append_to(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// The URL of the "ready URL" line in the log, or "".
std::string ready_url(const std::string& log) {
  const auto at = log.find("ready ");
  if (at == std::string::npos) return {};
  const auto end = log.find('\n', at);
  if (end == std::string::npos) return {};
  return log.substr(at + 6, end - at - 6);
}

}  // namespace

SandboxServer::SandboxServer(SandboxOptions options) : options_(std::move(options)) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "dcvkit-sandbox-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  temp_root_ = tmpl;
  data_dir_ = options_.data_dir.empty() ? temp_root_ + "/data" : options_.data_dir;
  start();
}

SandboxServer::~SandboxServer() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(temp_root_, ec);
}

std::string SandboxServer::binary() { return DCVKIT_SANDBOX_BIN; }

std::string SandboxServer::ca_bundle() const { return data_dir_ + "/ca-bundle.pem"; }
std::string SandboxServer::api_key_file() const { return data_dir_ + "/api-key"; }

std::string SandboxServer::api_key() const {
  const std::string text = read_text(api_key_file());
  return text.substr(0, text.find('\n'));
}

void SandboxServer::start() {
  std::vector<std::string> argv = {binary(), "--listen", "127.0.0.1:0", "--data-dir", data_dir_};
  auto add = [&argv](const std::string& flag, const std::string& value) {
    argv.push_back(flag);
    argv.push_back(value);
  };
  if (!options_.state_file.empty()) add("--state", options_.state_file);
  if (!options_.faults_json.empty()) {
    const std::string faults = temp_root_ + "/faults.json";
    std::ofstream(faults, std::ios::binary) << options_.faults_json;
    add("--faults", faults);
  }
  if (!options_.resolver.empty()) add("--resolver", options_.resolver);
  if (options_.ns_port) add("--ns-port", std::to_string(options_.ns_port));
  if (options_.http_port) add("--http-port", std::to_string(options_.http_port));
  if (options_.https_port) add("--https-port", std::to_string(options_.https_port));
  if (!options_.connect_address.empty()) add("--connect-address", options_.connect_address);
  if (!options_.rate_limits) argv.push_back("--no-rate-limits");
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());

  log_path_ = temp_root_ + "/sandbox-" + std::to_string(++runs_) + ".log";
  pid_ = spawn_logged(argv, log_path_);
  const auto deadline = SteadyClock::now() + kStartTimeout;
  while (SteadyClock::now() < deadline) {
    url_ = ready_url(read_text(log_path_));
    if (!url_.empty()) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      throw std::runtime_error("dcvkit-sandbox exited (" + std::to_string(exit_code_) + ") at start:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop_process(pid_);
  pid_ = -1;
  throw std::runtime_error("dcvkit-sandbox did not print its ready line within 10 s:\n" + log());
}

void SandboxServer::stop() {
  if (pid_ <= 0) return;
  const auto start = SteadyClock::now();
  ::kill(pid_, SIGTERM);
  int status = 0;
  bool exited = false;
  while (SteadyClock::now() - start < kStopTimeout) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!exited) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  stop_seconds_ = std::chrono::duration<double>(SteadyClock::now() - start).count();
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;
}

void SandboxServer::restart() {
  stop();
  start();
}

std::string SandboxServer::log() const {
  std::string all;
  for (int run = 1; run <= runs_; ++run) all += read_text(temp_root_ + "/sandbox-" + std::to_string(run) + ".log");
  return all;
}

nlohmann::json SandboxServer::stats() const {
  const auto reply = call("GET", "/sandbox/stats");
  if (reply.status != 200) throw std::runtime_error("sandbox stats: " + std::to_string(reply.status) + " " + reply.body);
  return nlohmann::json::parse(reply.body);
}

SandboxServer::Reply SandboxServer::call(const std::string& method, const std::string& path, const std::string& body,
                                         const std::string& api_key_override) const {
  const std::string key = api_key_override.empty() ? api_key() : api_key_override;
  return perform(method, path, body, &key);
}

SandboxServer::Reply SandboxServer::call_without_key(const std::string& method, const std::string& path,
                                                     const std::string& body) const {
  return perform(method, path, body, nullptr);
}

SandboxServer::Reply SandboxServer::perform(const std::string& method, const std::string& path, const std::string& body,
                                            const std::string* key) const {
  static std::once_flag curl_ready;
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw std::runtime_error("curl_easy_init failed");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  if (key != nullptr) headers = curl_slist_append(headers, ("X-DC-DEVKEY: " + *key).c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers, curl_slist_free_all);

  const std::string url = url_ + path;
  const std::string bundle = ca_bundle();
  Reply reply;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_CAINFO, bundle.c_str());
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 60000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_to);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    reply.status = 0;
    reply.body = std::string("curl: ") + curl_easy_strerror(rc);
    return reply;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace dcvkit::test
