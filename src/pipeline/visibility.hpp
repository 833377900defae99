// The run's pre-check before a CA validates: what it will look at is checked, and re-checked with
// backoff while it is not visible yet, until the check deadline. Request tokens are checked this
// way before a CertCentral order, ACME challenges before they are answered (the CA tries once).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dcvkit/check_batch.hpp"
#include "dcvkit/pipeline.hpp"

namespace dcvkit::pipeline {

// OK once every request passes; else CheckFailed with the most informative failure, saying how
// long it kept failing. `on_wait`: a line for a person before each pause.
Status check_until_visible(CheckService& service, const std::vector<CheckRequest>& requests, const PipelineOptions& options,
                           const std::function<void(const std::string&)>& on_wait);

}  // namespace dcvkit::pipeline
