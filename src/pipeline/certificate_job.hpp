// One certificate of a run, moved forward one ledger stage at a time. Every step reads what it
// needs from the ledger entry and commits its outcome before the next step starts.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "dcvkit/cert_chain.hpp"
#include "dcvkit/certcentral.hpp"
#include "dcvkit/check_batch.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/ledger.hpp"
#include "dcvkit/manifest.hpp"
#include "dcvkit/pipeline.hpp"
#include "pipeline/order_backend.hpp"
#include "pipeline/publisher_cache.hpp"

namespace dcvkit::pipeline {

// The chain kept in the ledger, verified against the entry's CSR and names, written as files.
// `csr`: the entry's CSR when the caller has read it already; null: read from entry.csr_path.
Result<VerifiedChain> write_ledger_chain(const LedgerEntry& entry, const ManifestEntry& spec, bool overwrite,
                                         UnixSeconds now, const CsrText* csr = nullptr);

class CertificateJob {
 public:
  // `publishers` and `checks` are the run's, shared by every certificate.
  CertificateJob(Ledger& ledger, const ManifestEntry& spec, const PipelineOptions& options, BackendSet& backends,
                 PublisherCache& publishers, CheckService& checks);
  PipelineResult run();

 private:
  // Each returns the error that stops this certificate (recorded by run()).
  Status make_csr();
  Status make_token();
  Status publish();
  Status check();
  Status order();
  Status out_dir_replaceable() const;  // certificate files already in out_dir may be replaced
  Status resume_order();
  Status complete();  // the order the ledger names, to issuance
  Status take_chain(const IssuedChain& issued);
  Status write_files();
  Status deploy();
  Status finish();

  Status reload();
  // The entry's CSR, read once per certificate: the token, the order and the chain check use it.
  Result<const CsrText*> csr() const;
  bool token_usable() const;
  // The CA of this entry, made on first use (an entry that is done needs none).
  Result<OrderBackend*> backend();
  // `step` with the backend and what it may see of this certificate (as the ledger has it now).
  Status with_backend(const std::function<Status(OrderBackend&, const OrderContext&)>& step);
  void progress(Stage stage, const std::string& detail) const;
  void notice(Stage stage, const std::string& text) const;  // progress, also shown as a notice
  UnixSeconds now() const;

  Ledger& ledger_;
  const ManifestEntry& spec_;
  const PipelineOptions& options_;
  BackendSet& backends_;
  OrderBackend* backend_ = nullptr;
  PublisherCache& publishers_;
  CheckService& checks_;
  LedgerEntry entry_;
  mutable std::optional<CsrText> csr_;
  mutable std::string csr_read_from_;
  Stage failing_ = Stage::New;  // the stage being worked towards (for the failure record)
  bool did_work_ = false;
  std::vector<std::string> added_names_;  // names the CA added on its own to the leaf written in this run
};

}  // namespace dcvkit::pipeline
