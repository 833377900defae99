#include "pipeline/certificate_job.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "dcvkit/cert_chain.hpp"
#include "dcvkit/certcentral_issuance.hpp"
#include "dcvkit/check_batch.hpp"
#include "dcvkit/check_recheck.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/deploy.hpp"
#include "dcvkit/files.hpp"
#include "dcvkit/plan.hpp"
#include "dcvkit/publish_spec.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"
#include "pipeline/entry_outputs.hpp"
#include "pipeline/visibility.hpp"

namespace dcvkit::pipeline {
namespace {

// Stages at or after this one involve an order that may exist (money spent) or a certificate
// already issued: a later run always resumes them, --retry-failed or not.
// The certificates of a PEM text, each as its base64 body without line breaks (so re-wrapped
// text still compares equal); empty when there are none.
std::set<std::string> certificate_bodies(std::string_view text) {
  std::set<std::string> out;
  auto pems = split_pem_certificates(text);
  if (!pems) return out;
  for (const auto& pem : *pems) {
    // Between the BEGIN and END lines (split_pem_certificates gives one block each).
    const auto begin = pem.find('\n');
    const auto end = pem.find("-----END");
    std::string body;
    if (begin != std::string::npos && end != std::string::npos && end > begin)
      for (char c : std::string_view(pem).substr(begin, end - begin))
        if (std::isspace(static_cast<unsigned char>(c)) == 0) body += c;
    if (!body.empty()) out.insert(std::move(body));
  }
  return out;
}

// dcvkit wrote `path` when every certificate in it is one of the chain the ledger holds.
bool written_from(const std::string& path, const std::set<std::string>& ledger_chain) {
  auto text = read_file(path, std::size_t{1} << 20, "certificate file");
  if (!text) return false;
  const auto bodies = certificate_bodies(*text);
  if (bodies.empty()) return false;
  return std::all_of(bodies.begin(), bodies.end(), [&](const std::string& b) { return ledger_chain.count(b) > 0; });
}

}  // namespace

Result<VerifiedChain> write_ledger_chain(const LedgerEntry& entry, const ManifestEntry& spec, bool overwrite,
                                         UnixSeconds now, const CsrText* csr) {
  std::optional<CsrText> read;
  if (!csr) {
    auto loaded = load_csr_file(entry.csr_path);
    if (!loaded) return loaded.error();
    csr = &read.emplace(std::move(*loaded));
  }
  auto key = csr_public_key_der(csr->bytes);
  if (!key) return key.error();
  auto pems = split_pem_certificates(entry.chain_pem);
  if (!pems) return pems.error();
  const std::string dir = spec.out_dir.empty() ? "." : spec.out_dir;
  const DeliveryOrder order{spec.acme ? "dcvkit acme order --order-url " + entry.order_ref + " --directory " +
                                            spec.acme->directory + " --account-key " + spec.acme->account_key +
                                            " --csr " + entry.csr_path + " --out-dir " + dir
                                      : "dcvkit order download " + std::to_string(entry.order_id) + " --out-dir " + dir,
                            "the ledger"};
  auto outputs = entry_outputs(spec, entry);
  if (!outputs) return outputs.error();
  auto delivered =
      deliver_chain(*pems, ChainExpectation{*key, spec.names}, spec.out_dir, overwrite, order, now, (*outputs)->extras);
  if (!delivered) {
    Error e = delivered.error();
    if (e.kind == ErrorKind::CertVerify)
      e.message = "order " + entry.order_ref + " was issued, but " + e.message;
    return e;
  }
  return std::move(delivered->chain);
}

CertificateJob::CertificateJob(Ledger& ledger, const ManifestEntry& spec, const PipelineOptions& options,
                               BackendSet& backends, PublisherCache& publishers, CheckService& checks)
    : ledger_(ledger), spec_(spec), options_(options), backends_(backends), publishers_(publishers), checks_(checks) {}

Result<const CsrText*> CertificateJob::csr() const {
  if (!csr_ || csr_read_from_ != entry_.csr_path) {
    auto loaded = load_csr_file(entry_.csr_path);
    if (!loaded) return loaded.error();
    csr_ = std::move(*loaded);
    csr_read_from_ = entry_.csr_path;
  }
  return &*csr_;
}

UnixSeconds CertificateJob::now() const { return (options_.clock ? *options_.clock : system_clock()).now(); }

void CertificateJob::progress(Stage stage, const std::string& detail) const {
  if (options_.on_progress) options_.on_progress(spec_.id, stage, detail);
}

void CertificateJob::notice(Stage stage, const std::string& text) const {
  progress(stage, text);
  if (options_.on_notice) options_.on_notice(spec_.id, text);
}

Status CertificateJob::reload() {
  auto e = ledger_.get(spec_.id);
  if (!e) return e.error();
  if (!e->has_value())
    return make_error(ErrorKind::Internal, "ledger.unknown_entry", "no ledger entry for " + spec_.id, "");
  entry_ = std::move(**e);
  return {};
}

PipelineResult CertificateJob::run() {
  PipelineResult result;
  result.id = spec_.id;
  result.orders_first = spec_.acme.has_value();
  auto fail = [&](const Error& e) {
    result.stage = Stage::Failed;
    result.error_kind = e.kind;
    result.error_code = e.code;
    result.error_message = e.message;
    result.hint = e.hint;
    return result;
  };
  if (auto st = ledger_.upsert(spec_.id, spec_.spec_json); !st) return fail(st.error());
  if (auto st = reload(); !st) return fail(st.error());

  if (entry_.stage == Stage::Failed) {
    if (!options_.retry_failed && !resumes_unasked(entry_.failed_stage)) {
      result.stage = Stage::Failed;
      result.failed_at = entry_.failed_stage;
      result.error_code = entry_.error_code;
      result.error_message = entry_.error_message;
      result.hint = "fix the cause, then run again with --retry-failed";
      progress(Stage::Failed, "failed in an earlier run: " + entry_.error_code);
      return result;
    }
    // A failed check may mean the token never got there: publish again (it only adds).
    const Stage from = entry_.failed_stage == Stage::Published ? Stage::TokenReady : entry_.failed_stage;
    if (auto st = ledger_.rewind(spec_.id, from); !st) return fail(st.error());
    if (auto st = reload(); !st) return fail(st.error());
  }
  const bool already_done = entry_.stage == Stage::Done;

  while (entry_.stage != Stage::Done) {
    Status st;
    switch (entry_.stage) {
      case Stage::New: st = make_csr(); break;
      case Stage::CsrReady: {
        auto b = backend();
        st = !b ? Status(b.error()) : (*b)->validates_before_order() ? make_token() : order();
        break;
      }
      case Stage::TokenReady: st = publish(); break;
      case Stage::Published:
      case Stage::Checked:
        if (!token_usable()) {
          // Too old to reach the CA in time: a new token, published again.
          st = ledger_.rewind(spec_.id, Stage::CsrReady);
          break;
        }
        st = entry_.stage == Stage::Published ? check() : order();
        break;
      case Stage::Ordering: st = resume_order(); break;
      case Stage::Ordered: st = complete(); break;
      case Stage::Issued: st = write_files(); break;
      case Stage::Written:
        st = deploy();
        if (st) st = finish();
        break;
      case Stage::Done:
      case Stage::Failed: break;
    }
    if (!st) {
      const Error& error = st.error();
      if (reload()) {
        result.failed_at = entry_.stage;
        (void)ledger_.record_failure(spec_.id, entry_.stage, error.code, error.message);
      }
      progress(Stage::Failed, error.code + ": " + error.message);
      return fail(error);
    }
    if (auto r = reload(); !r) return fail(r.error());
  }
  result.stage = Stage::Done;
  result.reused = already_done && !did_work_;
  progress(Stage::Done, result.reused ? "in an earlier run" : "");
  result.order_id = entry_.order_id;
  result.order_ref = entry_.order_ref;
  result.certificate_id = entry_.certificate_id;
  result.out_dir = entry_.out_dir;
  result.not_after = entry_.not_after;
  result.added_names = added_names_;
  return result;
}

Status CertificateJob::make_csr() {
  did_work_ = true;
  if (!spec_.csr_path.empty()) {
    auto csr = load_csr_file(spec_.csr_path);
    if (!csr) return csr.error();
    if (auto info = inspect_csr(*csr); !info) return info.error();
    progress(Stage::CsrReady, "using " + spec_.csr_path);
    return ledger_.record_csr(spec_.id, spec_.key_path, spec_.csr_path);
  }
  if (auto st = ensure_private_dir(options_.keys_dir, "key directory"); !st) return st;
  CsrRequest request;
  request.common_name = spec_.names.front();
  request.sans.assign(spec_.names.begin() + 1, spec_.names.end());
  request.key_type = spec_.key_type;
  auto generated = generate_csr(request);
  if (!generated) return generated.error();
  // A certificate of this entry exists (a rotated renewal, a replacement after revocation): its
  // key stays where it is until the new certificate's files are in place, so the new one gets
  // its own file name; the ledger's "csr" events say which key went with which certificate.
  const std::string stem = options_.keys_dir + "/" + spec_.id +
                           (entry_.chain_pem.empty() ? std::string() : "-" + std::to_string(now()));
  const std::string key_path = stem + ".key";
  const std::string csr_path = stem + ".csr";
  remove_staged_leftovers(key_path);  // a stray copy of a key from a run killed mid-write
  remove_staged_leftovers(csr_path);
  // Both or neither; a key left by a run killed before record_csr is simply replaced.
  auto key = StagedFile::create(key_path, generated->private_key_pem.view(), 0600);
  if (!key) return key.error();
  auto csr = StagedFile::create(csr_path, generated->csr_pem, 0644);
  if (!csr) return csr.error();
  if (auto st = key->commit(true); !st) return st;
  if (auto st = csr->commit(true); !st) return st;
  progress(Stage::CsrReady, "generated " + key_path);
  return ledger_.record_csr(spec_.id, key_path, csr_path);
}

bool CertificateJob::token_usable() const {
  if (entry_.token.empty()) return false;
  const TokenInspection t = inspect_token(entry_.token_time, now());
  return t.status == TokenStatus::Valid && t.seconds_left >= options_.token_min_left;
}

Status CertificateJob::make_token() {
  did_work_ = true;
  auto csr = this->csr();
  if (!csr) return csr.error();
  if (!options_.token_engine)
    return make_error(ErrorKind::Internal, "run.no_auth_key", "no AuthKey to make request tokens with", "");
  auto engine = options_.token_engine->clone();
  if (!engine) return engine.error();
  // The ledger's token is used again only while it is the one of this CSR: a new key (rotated,
  // or after a revocation) needs a new token, or the CA would hold the order pending.
  if (token_usable()) {
    auto again = engine->compute((*csr)->bytes, entry_.token_time);
    if (again && *again == entry_.token) return ledger_.record_token(spec_.id, entry_.token, entry_.token_time);
  }
  const UnixSeconds at = now() - options_.token_skew;
  auto token = engine->compute((*csr)->bytes, at);
  if (!token) return token.error();
  progress(Stage::TokenReady, "token dated " + std::to_string(at));
  return ledger_.record_token(spec_.id, *token, at);
}

Status CertificateJob::publish() {
  did_work_ = true;
  auto plan = make_plan(spec_.names, PlanOptions{spec_.method, DnsLocation::DnsAuth});
  if (!plan) return plan.error();
  auto publisher = publishers_.get(spec_.publish, spec_.method);
  if (!publisher) return publisher.error();
  std::vector<PublishItem> items;
  for (auto& p : *plan) items.push_back(PublishItem{std::move(p), entry_.token});
  std::optional<Error> first_error;
  nlohmann::json where = nlohmann::json::array();
  run_publish_batch(**publisher, PublishAction::Publish, items, 4, [&](const PublishOutcome& o) {
    if (!o.status && !first_error) first_error = o.status.error();
    if (o.status) where.push_back(o.item->entry.target());
  });
  if (first_error) return *first_error;
  progress(Stage::Published, std::to_string(items.size()) + " place(s) via " + std::string((*publisher)->kind()));
  return ledger_.record_published(spec_.id, nlohmann::json{{"via", (*publisher)->kind()}, {"where", where}}.dump());
}

Status CertificateJob::check() {
  did_work_ = true;
  const auto expected = std::shared_ptr<const TokenExpectation>(TokenExpectation::exact({entry_.token}));
  std::vector<CheckRequest> requests;
  for (const auto& name : spec_.names) requests.push_back(CheckRequest{name, spec_.method, expected});
  if (auto st = check_until_visible(checks_, requests, options_, [&](const std::string& line) { progress(Stage::Published, line); });
      !st)
    return st;
  progress(Stage::Checked, "every name passes");
  return ledger_.record_checked(spec_.id, nlohmann::json{{"names", spec_.names.size()}}.dump());
}

Status CertificateJob::out_dir_replaceable() const {
  if (spec_.replace_files) return {};
  const auto ours = certificate_bodies(entry_.chain_pem);
  const ChainFiles files = chain_files_in(spec_.out_dir);
  for (const auto* path : {&files.cert, &files.fullchain, &files.chain, &files.root}) {
    struct stat info {};
    if (::lstat(path->c_str(), &info) != 0) continue;
    if (written_from(*path, ours)) continue;
    return make_error(ErrorKind::Io, "io.exists",
                      *path + " already exists and dcvkit did not write it (it holds no certificate of this entry's "
                              "ledger): not ordering a certificate that would replace it",
                      "move the file away, or add \"replace_files\": true to the manifest entry " + spec_.id +
                          " to let dcvkit replace it");
  }
  return {};
}

Result<OrderBackend*> CertificateJob::backend() {
  if (!backend_) {
    auto b = backends_.for_entry(spec_);
    if (!b) return b.error();
    backend_ = *b;
  }
  return backend_;
}

Status CertificateJob::with_backend(const std::function<Status(OrderBackend&, const OrderContext&)>& step) {
  auto b = backend();
  if (!b) return b.error();
  auto csr = this->csr();
  if (!csr) return csr.error();
  const OrderContext context{spec_,
                             entry_,
                             **csr,
                             options_,
                             ledger_,
                             publishers_,
                             checks_,
                             [this](Stage stage, const std::string& text) { progress(stage, text); },
                             [this](Stage stage, const std::string& text) { notice(stage, text); },
                             [this] { return now(); }};
  return step(**b, context);
}

Status CertificateJob::order() {
  did_work_ = true;
  // Before anything is bought: files someone else owns are not replaced, and the extra files
  // asked for can be made (the key readable, a PFX password there).
  if (auto st = out_dir_replaceable(); !st) return st;
  auto outputs = entry_outputs(spec_, entry_);
  if (!outputs) return outputs.error();
  auto csr = this->csr();
  if (!csr) return csr.error();
  if (auto fits = check_extra_outputs((*outputs)->extras, (*csr)->bytes); !fits) return fits;
  progress(Stage::Ordering, spec_.acme ? "ordering from " + spec_.acme->directory : "ordering " + spec_.product);
  return with_backend([&](OrderBackend& b, const OrderContext& c) -> Status {
    auto placed = b.place(c);
    if (!placed) return placed.error();
    if (!placed->pems.empty()) return take_chain(*placed);
    return complete();
  });
}

Status CertificateJob::resume_order() {
  did_work_ = true;
  return with_backend([&](OrderBackend& b, const OrderContext& c) -> Status {
    auto found = b.find_lost(c);
    if (!found) return found.error();
    if (found->has_value()) return complete();
    progress(Stage::Ordering, "the interrupted order never reached the CA: ordering again");
    if (b.validates_before_order() && !token_usable()) return ledger_.rewind(spec_.id, Stage::CsrReady);
    return order();
  });
}

Status CertificateJob::complete() {
  did_work_ = true;
  if (auto st = reload(); !st) return st;
  return with_backend([&](OrderBackend& b, const OrderContext& c) -> Status {
    auto issued = b.complete(c);
    if (!issued) return issued.error();
    return take_chain(*issued);
  });
}

Status CertificateJob::take_chain(const IssuedChain& issued) {
  // In the ledger before anything else: whatever happens next, the certificate is not lost.
  if (auto st = ledger_.record_chain(spec_.id, issued.order_id, issued.certificate_id, join_pem_bundle(issued.pems), 0); !st)
    return st;
  progress(Stage::Issued, issued.certificate_id ? "certificate " + std::to_string(issued.certificate_id) : "certificate issued");
  if (auto st = reload(); !st) return st;
  return write_files();
}

Status CertificateJob::write_files() {
  did_work_ = true;
  auto csr = this->csr();
  if (!csr) return csr.error();
  auto verified = write_ledger_chain(entry_, spec_, options_.overwrite_files, now(), *csr);
  if (!verified) return verified.error();
  added_names_ = verified->added_names;
  progress(Stage::Written, spec_.out_dir + (added_names_.empty() ? "" : " (the CA added " + added_names_.front() + ")"));
  return ledger_.record_written(spec_.id, spec_.out_dir, verified->not_after, added_names_);
}

// After issuance, once per certificate: a run stopped between the hook and the
// cleanup (or a cleanup that failed) does not run it again; a failed hook runs again next time.
Status CertificateJob::deploy() {
  const DeployHook& hook = deploy_hook_of(spec_, options_.deploy);
  if (hook.command.empty()) return {};
  auto done = deployed_already(ledger_, entry_);
  if (!done) return done.error();
  if (*done) return {};
  did_work_ = true;
  notice(Stage::Written, "running the deploy hook" +
                             (hook.delay_seconds > 0 ? " in " + format_duration(hook.delay_seconds) : std::string()));
  Status st = deploy_written(ledger_, spec_, entry_, hook, false);
  if (st) progress(Stage::Written, "deploy hook ok");
  return st;
}

Status CertificateJob::finish() {
  if (options_.keep_tokens) return ledger_.record_done(spec_.id, R"({"tokens":"kept"})");
  did_work_ = true;
  // No request token was made (an ACME line: its challenges were taken down as soon as the CA
  // had validated them), so none is published.
  if (entry_.token.empty()) return ledger_.record_done(spec_.id, R"({"challenges":"removed"})");
  nlohmann::json detail = {{"tokens", "removed"}};
  auto plan = make_plan(spec_.names, PlanOptions{spec_.method, DnsLocation::DnsAuth});
  auto publisher = publishers_.get(spec_.publish, spec_.method);
  if (plan && publisher) {
    std::vector<PublishItem> items;
    for (auto& p : *plan) items.push_back(PublishItem{std::move(p), entry_.token});
    run_publish_batch(**publisher, PublishAction::Unpublish, items, 4, [&](const PublishOutcome& o) {
      // A token left behind is harmless once issued (it expires): note it, do not fail the certificate.
      if (!o.status) detail["left"].push_back(o.item->entry.target() + ": " + o.status.error().message);
    });
  }
  return ledger_.record_done(spec_.id, detail.dump());
}

}  // namespace dcvkit::pipeline
