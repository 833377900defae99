#include "util/row_spool.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include "dcvkit/files.hpp"

namespace dcvkit {
namespace {

Error spool_error(int err) {
  return make_error(ErrorKind::Io, "io.write_failed",
                    std::string("cannot spool the HTML report to a temporary file: ") + std::strerror(err),
                    "check free space in $TMPDIR (or /tmp)");
}

}  // namespace

Result<RowSpool> RowSpool::open() {
  std::FILE* spool = std::tmpfile();
  if (!spool) return spool_error(errno);
  return RowSpool(spool);
}

RowSpool::RowSpool(RowSpool&& other) noexcept : spool_(std::exchange(other.spool_, nullptr)) {}

RowSpool::~RowSpool() {
  if (spool_) std::fclose(spool_);
}

Status RowSpool::add(std::string_view row) {
  if (std::fwrite(row.data(), 1, row.size(), spool_) != row.size()) return spool_error(errno);
  return {};
}

Status RowSpool::write(const std::string& path, std::string_view head, std::string_view tail, bool overwrite) {
  if (std::fflush(spool_) != 0 || std::fseek(spool_, 0, SEEK_SET) != 0) return spool_error(errno);
  auto staged = StagedFile::create(
      path,
      [&](const StagedFile::Write& out) {
        if (!out(head)) return false;
        char buf[1 << 16];
        while (std::size_t n = std::fread(buf, 1, sizeof buf, spool_))
          if (!out(std::string_view(buf, n))) return false;
        return !std::ferror(spool_) && out(tail);
      },
      0644);
  if (!staged) return staged.error();
  return staged->commit(overwrite);
}

}  // namespace dcvkit
