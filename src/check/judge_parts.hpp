// The pieces of a verdict that request tokens and ACME challenges share: one owner's answers from
// every authoritative server, one name fetched from every address, the result's code and hint.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "check/text_verdict.hpp"
#include "dcvkit/check.hpp"

namespace dcvkit::detail {

struct Failure {
  std::string code, message;
  bool better_than(const Failure& other) const;
};

// How one server's TXT records are read: fills `v` (what matched, what was seen) and says why
// they fail at `where` (empty code: they pass). `what` names the value in messages ("token").
struct RecordJudge {
  std::string_view what;
  std::function<Failure(const TxtAnswer& answer, const std::string& where, TextVerdict& v)> judge;
};

struct OwnerVerdict {
  bool ok = false;
  Failure failure;
  TextVerdict best;
};

// Every authoritative server must pass (ca-rule dns-every-server); DNSSEC bogus fails the owner.
OwnerVerdict judge_owner(const OwnerObservation& o, const RecordJudge& records, std::vector<std::string>& server_lines);

// --all-addresses: each address judged by `judge_one`; the name passes when all do.
CheckResult judge_every_address(const HttpObservation& observation,
                                const std::function<CheckResult(const HttpObservation&)>& judge_one);

// Sets ok, code, message (on failure) and the code's hint.
void finish(CheckResult& r, const Failure& f);

}  // namespace dcvkit::detail
