// The rows of an HTML report too large to hold (a check of 100,000 names, a run of a million
// certificates): kept in an anonymous temporary file as they arrive, then written between the
// page's head and tail into the report, atomically.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "dcvkit/error.hpp"

namespace dcvkit {

class RowSpool {
 public:
  static Result<RowSpool> open();
  RowSpool(RowSpool&& other) noexcept;
  RowSpool& operator=(RowSpool&&) = delete;
  RowSpool(const RowSpool&) = delete;
  ~RowSpool();

  Status add(std::string_view row);
  // head + every row + tail to `path` (mode 0644); an existing file is replaced only with `overwrite`.
  Status write(const std::string& path, std::string_view head, std::string_view tail, bool overwrite);

 private:
  explicit RowSpool(std::FILE* spool) : spool_(spool) {}
  std::FILE* spool_;
};

}  // namespace dcvkit
