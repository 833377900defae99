// What `dcvkit run` needs from a CA, whatever the CA: place an order (with what makes a retry
// safe), find the order an interrupted run placed, take an order the CA knows to issuance and hand
// back the chain. CertCentral and ACME are two adapters (certcentral_backend.cpp, acme_backend.cpp);
// the registry (backend_registry.cpp) picks one per manifest entry. A third CA is one more adapter
// and one more registry line.
//
// The job (certificate_job.cpp) owns the stages every CA shares: key + CSR, the chain in the
// ledger, the files, the deploy hook, the cleanup. Backends commit their own ledger steps: the
// order intent before a request that creates an order leaves, the order's reference once the CA
// has named it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dcvkit/check_batch.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/ledger.hpp"
#include "dcvkit/manifest.hpp"
#include "dcvkit/pipeline.hpp"
#include "pipeline/publisher_cache.hpp"

namespace dcvkit::pipeline {

// What a backend sees of the certificate it orders.
struct OrderContext {
  const ManifestEntry& spec;
  const LedgerEntry& entry;  // as last read: order_ref, order_sent_at, in-flight deadline, token
  const CsrText& csr;        // the bytes the order is made with
  const PipelineOptions& options;
  Ledger& ledger;
  PublisherCache& publishers;
  CheckService& checks;
  std::function<void(Stage, const std::string&)> progress;  // a progress line
  std::function<void(Stage, const std::string&)> notice;    // also shown without -v
  std::function<UnixSeconds()> now;
};

// A chain as the CA handed it over, leaf first, unverified (the job verifies and writes it).
struct IssuedChain {
  std::int64_t order_id = 0, certificate_id = 0;  // CertCentral's numbers; 0 for other CAs
  std::vector<std::string> pems;                  // empty: ordered, not issued yet (see place())
};

class OrderBackend {
 public:
  virtual ~OrderBackend() = default;
  // CertCentral: the request token is made, published and checked before the order, which it
  // then validates at once. ACME: the order comes first; its challenges are published, checked and
  // answered in complete().
  virtual bool validates_before_order() const = 0;
  // Places a new order: ledger.record_order_intent before the request leaves, ledger.record_order
  // once the CA names it, ledger.withdraw_order_intent when the CA's answer proves it made no order
  // (so the next run orders at once instead of searching for it). The chain when the CA issued at once; else empty pems (complete() next,
  // with the entry's new order_ref).
  virtual Result<IssuedChain> place(const OrderContext& c) = 0;
  // After a run stopped while placing (Stage::Ordering): the order that request made, recorded
  // with ledger.record_order, or nullopt when the CA never got it (place again).
  virtual Result<std::optional<std::string>> find_lost(const OrderContext& c) = 0;
  // Takes the order `c.entry.order_ref` to issuance (waiting, validating, finalizing as the CA
  // needs) and downloads the chain.
  virtual Result<IssuedChain> complete(const OrderContext& c) = 0;
  // Revokes the certificate the entry holds (its ledger chain). `reason`: an RFC 5280 reason name
  // (acme::parse_revocation_reason), "" for none. What happened, for a person.
  virtual Result<std::string> revoke(const LedgerEntry& entry, const std::string& reason) = 0;
  // HTTP requests sent to the CA so far (for the run summary).
  virtual std::size_t requests() const = 0;
};

// The backends of one worker, one per CA account the worker's certificates use, made on first use
// (a backend, like its client, is not thread-safe).
class BackendSet {
 public:
  explicit BackendSet(const PipelineOptions& options) : options_(options) {}
  Result<OrderBackend*> for_entry(const ManifestEntry& spec);
  std::size_t requests() const;

 private:
  const PipelineOptions& options_;
  std::map<std::string, std::unique_ptr<OrderBackend>> made_;
};

// The adapters (one line each in the registry).
Result<std::unique_ptr<OrderBackend>> make_certcentral_backend(const ManifestEntry& spec, const PipelineOptions& options);
Result<std::unique_ptr<OrderBackend>> make_acme_backend(const ManifestEntry& spec, const PipelineOptions& options);

}  // namespace dcvkit::pipeline
