// The world `dcvkit run` is tested in, on loopback only: a real nginx (webroot publishing and the
// CA's HTTP fetches), a real BIND for zone dns.test taking RFC 2136 updates with TSIG, and a real
// dcvkit-sandbox validating through both. A test adds certificates to a manifest, runs (or spawns
// and kills) `dcvkit run`, watches the ledger read-only, and finally audits the outcome against
// the sandbox: each certificate ordered exactly once, the ledger agreeing, every file verifying.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "dcvkit/ledger.hpp"
#include "support/dns_server.hpp"
#include "support/nginx_server.hpp"
#include "support/run.hpp"
#include "support/sandbox_server.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit::test {

// How a certificate's tokens get published.
enum class RunPublish {
  Webroot,  // http: fileauth.txt in nginx's webroot for the host
  Dns,      // dns: TXT at _dnsauth.<name> in dns.test via RFC 2136 (two names: <id>.dns.test, www.<id>.dns.test)
  Hook,     // http: a shell hook writing into nginx's webroot, which the test can hold (see RunGate)
};

// Steps of the hook the test can hold: while a gate is closed, the hook waits (at most 30 s).
enum class RunGate {
  Publish,      // the hook does not return: the certificate stays at token_ready
  Propagation,  // the hook returns, the file appears only when the gate opens: stays at published
  Unpublish,    // the hook does not return: the certificate stays at written
};

struct RunWorldOptions {
  std::string faults_json;          // the sandbox's fault plan
  bool rate_limits = true;          // the sandbox's (the client throttles itself either way)
  std::vector<std::string> sandbox_args;
  std::vector<std::string> dns_records;  // extra records of zone dns.test (e.g. "* IN A 127.0.0.1" for an ACME CA's lookups)
};

class RunWorld {
 public:
  explicit RunWorld(RunWorldOptions options = {});
  ~RunWorld();
  RunWorld(const RunWorld&) = delete;
  RunWorld& operator=(const RunWorld&) = delete;

  // Adds a certificate to the manifest (written by manifest()); returns its common name.
  // out_dir "" = the manifest's default (certs/<id> next to it).
  std::string add(const std::string& id, RunPublish how, const std::string& out_dir = {});
  // Adds a manifest line the test wrote itself (not audited against the sandbox: another CA's).
  void add_line(const std::string& id, const std::string& json_line);
  std::string manifest() const;  // writes the manifest, returns its path
  const std::vector<std::string>& ids() const { return ids_; }

  // `dcvkit run` over the manifest and the ledger, plus `extra` flags.
  std::vector<std::string> run_args(const std::vector<std::string>& extra = {}) const;
  RunResult run(const std::vector<std::string>& extra = {}) const;
  pid_t spawn(const std::string& log_name, const std::vector<std::string>& extra = {}) const;
  static void kill_and_reap(pid_t pid);  // SIGKILL, then wait for it

  // id -> stage as the ledger says now (read-only; empty before the ledger exists).
  std::map<std::string, Stage> stages();
  // Polls the ledger until some certificate is at `stage` or `timeout_ms` passes; returns the
  // stages of every unfinished certificate at that moment (empty when `stage` was not seen).
  std::set<Stage> wait_for_stage(Stage stage, int timeout_ms);

  void close_gate(RunGate gate) const;
  void open_gate(RunGate gate) const;

  // Everything that is wrong with the end state, one line each (empty: all good): the sandbox
  // holds exactly one issued order per certificate and no other order; the ledger has each done
  // with the sandbox's order and certificate ids; each out_dir holds exactly cert.pem,
  // chain.pem, fullchain.pem and root.pem, the leaf chains to the sandbox's root through
  // chain.pem, carries the manifest's names and matches the ledger's private key.
  std::vector<std::string> audit();

  std::string state() const { return dir_.file("run.db"); }
  const TempDir& dir() const { return dir_; }
  NginxServer& nginx() { return *nginx_; }
  DnsServer& dns() { return *dns_; }
  SandboxServer& sandbox() { return *sandbox_; }

 private:
  struct Cert {
    std::vector<std::string> names;
    std::string out_dir;
  };
  std::string write_hook() const;
  std::string gate_path(RunGate gate) const;

  TempDir dir_;
  std::unique_ptr<NginxServer> nginx_;
  std::unique_ptr<DnsServer> dns_;
  std::unique_ptr<SandboxServer> sandbox_;
  std::unique_ptr<Ledger> ledger_;  // read-only view, opened once the run has made the file
  std::string hook_;
  std::string manifest_text_;
  std::vector<std::string> ids_;
  std::map<std::string, Cert> certs_;
};

}  // namespace dcvkit::test
